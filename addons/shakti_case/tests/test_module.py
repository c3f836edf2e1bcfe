# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.modules.company.tests import CompanyTestMixin
from trytond.tests.test_tryton import ModuleTestCase


class ShaktiCaseTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Shakti Case module"
    module = 'shakti_case'


del ModuleTestCase
