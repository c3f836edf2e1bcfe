# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import fields
from trytond.model.exceptions import AccessError
from trytond.modules.shakti_base.model import check_rule_read, format_amount
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import ProductError, ProductGroupError
from .market import _at_or_below


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'

    organisation = fields.Many2One(
        'company.company', "Organisation", readonly=True,
        ondelete='RESTRICT',
        help="The organisation of the producing enterprise; only its users "
        "and those above it see the product.")
    enterprise = fields.Many2One(
        'shakti.shg.enterprise', "Enterprise", ondelete='RESTRICT',
        states={
            'readonly': Eval('id', -1) >= 0,
            },
        help="The enterprise that makes the product.")
    product_group = fields.Many2One(
        'shakti.market.product_group', "Product Group",
        ondelete='RESTRICT',
        states={
            'required': Eval('enterprise', None) != None,  # noqa: E711
            })

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Enterprise = pool.get('shakti.shg.enterprise')
        ModelData = pool.get('ir.model.data')
        values = super().preprocess_values(mode, values)
        if values.get('enterprise'):
            enterprise = Enterprise(values['enterprise'])
            if Transaction().check_access:
                check_rule_read(Enterprise, [enterprise])
            values['organisation'] = enterprise.company.id
            if mode == 'create':
                values.setdefault('type', 'goods')
                values.setdefault('salable', True)
                if values.get('default_uom'):
                    values.setdefault('sale_uom', values['default_uom'])
                values.setdefault(
                    'account_category',
                    ModelData.get_id('shakti_market', 'category_market_goods'))
        market_goods = ModelData.get_id(
            'shakti_market', 'category_market_goods')
        if (values.get('gross_price') is not None
                and values.get('list_price') is None
                and values.get('account_category', market_goods)
                == market_goods):
            # Market goods carry no tax, so the price without tax is the
            # price with tax included.
            values['list_price'] = values['gross_price']
        return values

    @fields.depends(
        'enterprise', 'account_category', '_parent_account_category.id',
        'type', 'salable')
    def on_change_enterprise(self):
        pool = Pool()
        Category = pool.get('product.category')
        ModelData = pool.get('ir.model.data')
        if self.enterprise and not self.account_category:
            self.account_category = Category(ModelData.get_id(
                    'shakti_market', 'category_market_goods'))
            self.type = 'goods'
            self.salable = True

    @classmethod
    def check_modification(cls, mode, templates, values=None, external=False):
        super().check_modification(
            mode, templates, values=values, external=external)
        if mode == 'write' and values and 'enterprise' in values:
            # The goods of an enterprise stay its own: their stock, sales
            # and organisation follow from it.
            for template in templates:
                if (template.enterprise
                        and values['enterprise'] != template.enterprise.id):
                    raise AccessError(gettext(
                            'shakti_market.msg_product_enterprise_change',
                            product=template.rec_name,
                            enterprise=template.enterprise.rec_name))

    @classmethod
    def validate_fields(cls, templates, field_names):
        super().validate_fields(templates, field_names)
        if field_names is None or field_names & {
                'enterprise', 'product_group'}:
            cls.check_product_group(templates)
        if field_names is None or field_names & {
                'enterprise', 'sale_uom', 'default_uom'}:
            cls.check_sale_unit(templates)

    @classmethod
    def check_sale_unit(cls, templates):
        "Market goods are sold in the unit their stock is counted in"
        for template in templates:
            if (template.enterprise and template.sale_uom
                    and template.sale_uom != template.default_uom):
                raise ProductError(gettext(
                        'shakti_market.msg_product_sale_unit',
                        product=template.rec_name,
                        sale_unit=template.sale_uom.rec_name,
                        unit=template.default_uom.rec_name))

    @classmethod
    def check_product_group(cls, templates):
        for template in templates:
            group = template.product_group
            if not (template.enterprise and group):
                continue
            if not _at_or_below(
                    template.organisation, group.coordinating_organisation):
                raise ProductGroupError(gettext(
                        'shakti_market.msg_product_not_below_coordinator',
                        product=template.rec_name,
                        organisation=template.organisation.rec_name,
                        group=group.rec_name,
                        coordinator=group.coordinating_organisation.rec_name))

    @classmethod
    def on_modification(cls, mode, templates, field_names=None):
        super().on_modification(mode, templates, field_names=field_names)
        if mode in {'create', 'write'}:
            cls.add_to_product_group(templates)

    @classmethod
    def add_to_product_group(cls, templates):
        """Make each product's enterprise a member of its product group,
        and put the product in the group's category so that its quality
        control applies"""
        pool = Pool()
        Member = pool.get('shakti.market.product_group.member')
        ProductGroup = pool.get('shakti.market.product_group')
        TemplateCategory = pool.get('product.template-product.category')
        groups = {t.product_group for t in templates if t.product_group}
        with without_check_access():
            pairs = {
                (t.product_group.id, t.enterprise.id) for t in templates
                if t.product_group and t.enterprise}
            existing = set()
            if pairs:
                for member in Member.search([
                            ('group', 'in', [g for g, _ in pairs]),
                            ('enterprise', 'in', [e for _, e in pairs]),
                            ]):
                    existing.add((member.group.id, member.enterprise.id))
            Member.create([
                    {'group': g, 'enterprise': e}
                    for g, e in sorted(pairs - existing)])
            # A product that changed group leaves the category of the old
            # group, so that only its new group's quality control applies.
            group_categories = {
                g.category for g in ProductGroup.search([
                        ('category', 'in', list({
                                    c.id for t in templates
                                    for c in t.categories})),
                        ])}
            TemplateCategory.delete(TemplateCategory.search([
                        ('template', 'in', [t.id for t in templates]),
                        ('category', 'in', [c.id for c in group_categories]),
                        ('category', 'not in', [
                                g.category.id for g in groups
                                if g.category]),
                        ]))
            links = []
            for template in templates:
                group = template.product_group
                if (group and group.category
                        and group.category not in template.categories):
                    links.append({
                            'template': template.id,
                            'category': group.category.id,
                            })
            TemplateCategory.create(links)


class _PriceCheckMixin:
    "Reject a price below zero for the goods of an enterprise"
    __slots__ = ()
    _price_field = None

    @classmethod
    def validate_fields(cls, prices, field_names):
        super().validate_fields(prices, field_names)
        if field_names is None or cls._price_field in field_names:
            cls.check_price(prices)

    @classmethod
    def check_price(cls, prices):
        for price in prices:
            value = getattr(price, cls._price_field)
            template = (
                price.template if hasattr(price, 'template')
                else price.product.template)
            if value is not None and value < 0 and template.enterprise:
                raise ProductError(gettext(
                        'shakti_market.msg_product_price_negative',
                        product=template.rec_name,
                        field=cls.__names__(cls._price_field)['field'],
                        price=format_amount(value, (
                                price.company
                                or template.organisation).currency)))


class ListPrice(_PriceCheckMixin, metaclass=PoolMeta):
    __name__ = 'product.list_price'
    _price_field = 'list_price'


class GrossPrice(_PriceCheckMixin, metaclass=PoolMeta):
    __name__ = 'product.gross_price'
    _price_field = 'gross_price'


class CostPrice(_PriceCheckMixin, metaclass=PoolMeta):
    __name__ = 'product.cost_price'
    _price_field = 'cost_price'
