# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.modules.company.tests import CompanyTestMixin
from trytond.tests.test_tryton import ModuleTestCase


class ShaktiPartnerGrantsTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Shakti Partner Grants module"
    module = 'shakti_partner_grants'

    @property
    def _skip_company_rule(self):
        # The funder is the parent of the recipient, which the rule scopes.
        return super()._skip_company_rule | {
            ('shakti.grant.agreement', 'funder'),
            ('shakti.scorecard', 'funder'),
            }


del ModuleTestCase
