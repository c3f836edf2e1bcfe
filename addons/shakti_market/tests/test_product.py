# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from decimal import Decimal

from trytond.model.exceptions import AccessError
from trytond.modules.shakti_market.exceptions import ProductError, ReceiptError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .tools import MarketTestCase, as_user, create_enterprise, setup_goods


def second_enterprise(ids, name):
    "Create a second enterprise of the CBO of ids"
    pool = Pool()
    Company = pool.get('company.company')
    Place = pool.get('shakti.place')
    return create_enterprise(
        Company(ids['company']), Place(ids['block']), name)


class ProductTestCase(MarketTestCase):
    """Test that a product stays its enterprise's, follows its group and
    has no price below zero"""

    @with_transaction(user=0)
    def test_enterprise_stays(self):
        "Test no user moves a product to another enterprise"
        pool = Pool()
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        ids = setup_goods("Alpha")
        other = second_enterprise(ids, "Alpha Bags")
        template = Product(ids['product']).template
        for user in [ids['officer'], ids['lead_officer']]:
            with as_user(user), self.assertRaises(AccessError) as cm:
                Template.write([Template(template.id)], {
                        'enterprise': other.id,
                        })
            self.assertEqual(cm.exception.message, (
                    'The product "Block-printed Saree" is made by "Alpha '
                    'Prints" and stays that enterprise\'s: create a new '
                    'product for another enterprise.'))
        self.assertEqual(Template(template.id).enterprise.id,
            ids['enterprise'])

    @with_transaction(user=0)
    def test_group_change_moves_category(self):
        """Test a product moved to another group leaves the old group's
        category and control"""
        pool = Pool()
        Product = pool.get('product.product')
        ProductGroup = pool.get('shakti.market.product_group')
        Template = pool.get('product.template')
        ids = setup_goods("Beta")
        old, = ProductGroup.search([('name', '=', "Beta Textiles")])
        with as_user(ids['lead_officer']):
            new, = ProductGroup.create([{
                        'name': "Beta Garments",
                        'kind': 'garments',
                        'coordinating_organisation': (
                            Transaction().context['company']),
                        }])
            template = Product(ids['product']).template
            Template.write([template], {'product_group': new.id})
        template = Template(template.id)
        self.assertEqual(
            [c.id for c in template.categories], [new.category.id])
        self.assertNotEqual(old.category, new.category)
        self.assertEqual(
            [m.enterprise.id for m in new.members], [ids['enterprise']])

    @with_transaction(user=0)
    def test_negative_price(self):
        "Test a product's price cannot be below zero"
        pool = Pool()
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        ids = setup_goods("Alpha")
        template = Product(ids['product']).template
        with as_user(ids['officer']):
            with self.assertRaises(ProductError) as cm:
                Template.write([Template(template.id)], {
                        'gross_price': Decimal('-5.0000'),
                        })
            self.assertEqual(cm.exception.message, (
                    'The Gross Price of the product "Block-printed Saree" '
                    'is -₹5.00: it cannot be below zero.'))
            with self.assertRaises(ProductError) as cm:
                Template.write([Template(template.id)], {
                        'list_price': Decimal('-0.0100'),
                        })
            self.assertEqual(cm.exception.message, (
                    'The List Price of the product "Block-printed Saree" '
                    'is -₹0.01: it cannot be below zero.'))

    @with_transaction(user=0)
    def test_sale_unit_and_cost(self):
        """Test a product is sold in the unit it is counted in and costs
        nothing below zero"""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        ProductGroup = pool.get('shakti.market.product_group')
        Enterprise = pool.get('shakti.shg.enterprise')
        ids = setup_goods("Beta")
        product = Product(ids['product'])
        group, = ProductGroup.search([('name', '=', "Beta Textiles")])
        kilogram = Uom(ModelData.get_id('product', 'uom_kilogram'))
        gram = Uom(ModelData.get_id('product', 'uom_gram'))
        with as_user(ids['lead_officer']):
            with self.assertRaises(ProductError) as cm:
                Template(
                    name="Indigo Dye", enterprise=Enterprise(
                        ids['enterprise']),
                    product_group=group, default_uom=kilogram,
                    sale_uom=gram, gross_price=Decimal('300.0000'),
                    products=[Product()]).save()
            self.assertEqual(cm.exception.message, (
                    'The product "Indigo Dye" is sold in "Gram" but '
                    'counted in "Kilogram": market goods are sold in the '
                    'unit they are counted in.'))
            with self.assertRaises(ProductError) as cm:
                Product.write([Product(product.id)], {
                        'cost_price': Decimal('-1.0000'),
                        })
            self.assertEqual(cm.exception.message, (
                    'The Cost Price of the product "Block-printed Saree" '
                    'is -₹1.00: it cannot be below zero.'))

    @with_transaction(user=0)
    def test_receipt_enterprise_with_lines(self):
        """Test the enterprise of a receipt with lines cannot change, by
        the user or by the server"""
        pool = Pool()
        Receipt = pool.get('shakti.market.receipt')
        ids = setup_goods("Beta")
        other = second_enterprise(ids, "Beta Bags")
        receipt = Receipt(ids['receipt'])
        with as_user(ids['officer']), self.assertRaises(AccessError) as cm:
            Receipt.write([Receipt(receipt.id)], {'enterprise': other.id})
        self.assertEqual(cm.exception.message, (
                'The field "Enterprise" of "%s" is read-only here and '
                'cannot be set to "Beta Bags".' % receipt.rec_name))
        with self.assertRaises(ReceiptError) as cm:
            Receipt.write([receipt], {'enterprise': other.id})
        self.assertEqual(cm.exception.message, (
                'The product "Block-printed Saree" on the receipt "%s" is '
                'not made by the enterprise "Beta Bags".'
                % receipt.rec_name))
