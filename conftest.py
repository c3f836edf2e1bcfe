# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import pytest


@pytest.fixture(autouse=True)
def tryton_doctest(request):
    "Drop the test database after each scenario, as Tryton's loader does"
    yield
    if isinstance(request.node, pytest.DoctestItem):
        from trytond.tests.test_tryton import doctest_teardown
        doctest_teardown(request.node.dtest)
