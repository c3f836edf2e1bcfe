# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.modules.company.model import CompanyMultiValueMixin
from trytond.modules.company.tests import CompanyTestMixin
from trytond.pool import Pool, isregisteredby
from trytond.tests.test_tryton import ModuleTestCase, with_transaction


class ShaktiMarketTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Shakti Market module"
    module = 'shakti_market'

    @property
    def _skip_company_rule(self):
        # Products and places without an organisation, such as customers,
        # are shared: their rule lets them through. Product groups are
        # shared by all; only their coordinators change them.
        return super()._skip_company_rule | {
            ('shakti.market.product_group', 'coordinating_organisation'),
            ('product.template', 'organisation'),
            ('stock.location', 'organisation'),
            # Tryton's rule scopes cash movements by their point's company.
            ('sale.point.cash.transfer', 'company'),
            }

    @with_transaction()
    def test_company_multivalue_context(self):
        "Test context of company multivalue target"
        # The organisation of a product or of a place only sets who sees
        # it; their company-dependent values, such as the accounts of a
        # category, follow the user's current company as in Tryton. The
        # quality control's fields are Tryton's own.
        pool = Pool()
        Company = pool.get('company.company')
        scoped_only = {
            'product.template', 'stock.location', 'quality.control'}
        for mname, model in pool.iterobject():
            if (not isregisteredby(model, self.module)
                    or issubclass(model, Company)
                    or mname in scoped_only):
                continue
            company = next((
                    fname for fname, field in model._fields.items()
                    if field._type == 'many2one'
                    and issubclass(field.get_target(), Company)), None)
            if company is None:
                continue
            for fname, field in model._fields.items():
                if not hasattr(field, 'get_target'):
                    continue
                if issubclass(field.get_target(), CompanyMultiValueMixin):
                    self.assertIn(
                        'company', list(field.context.keys()),
                        msg='Missing company in "%s"."%s" context' % (
                            mname, fname))


del ModuleTestCase
