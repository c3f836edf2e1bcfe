# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.shakti_base.model import check_rule_read
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import ProductGroupError
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
    def validate_fields(cls, templates, field_names):
        super().validate_fields(templates, field_names)
        if field_names is None or field_names & {
                'enterprise', 'product_group'}:
            cls.check_product_group(templates)

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
        TemplateCategory = pool.get('product.template-product.category')
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
