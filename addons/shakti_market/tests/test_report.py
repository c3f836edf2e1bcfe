# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import unittest
from decimal import Decimal

from trytond.modules.shakti_market.report import StallReportSpreadsheet


def product_row(product_id, enterprise_id, enterprise, organisation,
        quantity, sales):
    return {
        'product_id': product_id,
        'product_group': "Ready-made Garments",
        'product_group_id': 3,
        'enterprise': enterprise,
        'enterprise_id': enterprise_id,
        'organisation': organisation,
        'quantity': quantity,
        'sales': sales,
        'cost_of_goods': Decimal(0),
        'margin': sales,
        }


class SumRowsTestCase(unittest.TestCase):
    "Test the sums of the stall report by product group and enterprise"

    def test_enterprises_of_one_name(self):
        "Test two enterprises of one name are summed apart"
        rows = [
            product_row(5, 7, "Stitching Centre, Purbapara",
                "Canning Sakhi Samiti", 7.0, Decimal('4900.00')),
            product_row(6, 9, "Stitching Centre, Purbapara",
                "Canning Sakhi Samiti", 5.0, Decimal('3500.00')),
            ]
        sums = StallReportSpreadsheet.get_sum_rows(rows, 'enterprise')
        self.assertEqual(
            [(r['enterprise'], r['quantity'], r['sales']) for r in sums], [
                ("Stitching Centre, Purbapara", 7.0, Decimal('4900.00')),
                ("Stitching Centre, Purbapara", 5.0, Decimal('3500.00')),
                ])
        groups = StallReportSpreadsheet.get_sum_rows(rows, 'product_group')
        self.assertEqual(
            [(r['product_group'], r['quantity'], r['sales'])
                for r in groups],
            [("Ready-made Garments", 12.0, Decimal('8400.00'))])

    def test_enterprises_without_names(self):
        "Test unnamed enterprises are summed apart and no enterprise last"
        rows = [
            product_row(1, None, None, None, 1.0, Decimal('10.00')),
            product_row(2, 4, None, "Beta CBO", 2.0, Decimal('20.00')),
            product_row(3, 2, None, "Alpha CBO", 3.0, Decimal('30.00')),
            product_row(4, 4, None, "Beta CBO", 4.0, Decimal('40.00')),
            ]
        sums = StallReportSpreadsheet.get_sum_rows(rows, 'enterprise')
        self.assertEqual(
            [(r['organisation'], r['quantity'], r['sales']) for r in sums], [
                ("Alpha CBO", 3.0, Decimal('30.00')),
                ("Beta CBO", 6.0, Decimal('60.00')),
                (None, 1.0, Decimal('10.00')),
                ])
