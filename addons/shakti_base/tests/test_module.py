# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import io
import unittest
from decimal import Decimal

from trytond import backend
from trytond.cache import Cache
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.modules.shakti_base.exceptions import (
    OrganisationError, PlaceError, PlaceImportError)
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, ModuleTestCase, with_transaction
from trytond.transaction import Transaction


class ShaktiBaseTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Shakti Base module"
    module = 'shakti_base'
    _skip_company_rule = {
        ('company.company', 'parent'),
        ('res.user', 'company'),
        }

    @unittest.skipIf(
        backend.name != 'sqlite', "the cache checks through its own "
        "connection on other databases")
    def test_sqlite_transaction_atomic_after_cache_check(self):
        """Test a transaction that checks the cache on SQLite keeps its
        isolation, and a nested one that checks it commits nothing of the
        transaction around it"""
        def expire_cache_check():
            Cache._clean_last = dt.datetime.now() - dt.timedelta(days=1)

        expire_cache_check()
        with Transaction().start(DB_NAME, 0) as transaction:
            self.assertEqual(
                transaction.connection.isolation_level, 'IMMEDIATE')
            Group = Pool().get('res.group')
            Group.create([{'name': "Rolled Back Group"}])
            expire_cache_check()
            with self.assertRaises(ZeroDivisionError):
                with transaction.new_transaction():
                    1 / 0
            transaction.rollback()
        with Transaction().start(DB_NAME, 0):
            Group = Pool().get('res.group')
            self.assertEqual(
                Group.search([('name', '=', "Rolled Back Group")]), [])

    @with_transaction()
    def test_places_loaded(self):
        "Test the programme's districts and blocks are loaded"
        pool = Pool()
        Place = pool.get('shakti.place')

        north, = Place.search([('code', '=', 'WB-N24P')])
        self.assertEqual(north.name, "North 24 Parganas")
        self.assertEqual(north.subdivision.code, 'IN-WB')
        basirhat, = Place.search([('name', '=', "Basirhat-I")])
        self.assertEqual(basirhat.type, 'block')
        self.assertEqual(basirhat.district, north)
        self.assertEqual(basirhat.subdivision.code, 'IN-WB')
        canning, = Place.search([('name', '=', "Canning-I")])
        self.assertEqual(canning.district.name, "South 24 Parganas")
        self.assertTrue(Place.search([
                    ('type', '=', 'mandal'),
                    ('parent.name', '=', "Krishna"),
                    ]))
        self.assertTrue(Place.search([
                    ('type', '=', 'mandal'),
                    ('parent.name', '=', "Guntur"),
                    ]))

    @with_transaction()
    def test_place_import_update(self):
        "Test importing places creates new ones and updates by code"
        pool = Pool()
        Place = pool.get('shakti.place')

        Place.import_csv(io.StringIO(
                "code,name,type,parent,state\n"
                "WB-N24P-BASIRHAT-I-TEST-GP,Test Panchayat,gram_panchayat,"
                "WB-N24P-BASIRHAT-I,\n"
                "WB-N24P-BASIRHAT-I-TEST-V,Test Village,village,"
                "WB-N24P-BASIRHAT-I-TEST-GP,\n"))
        village, = Place.search([('code', '=', 'WB-N24P-BASIRHAT-I-TEST-V')])
        self.assertEqual(village.block.name, "Basirhat-I")
        self.assertEqual(village.district.name, "North 24 Parganas")

        Place.import_csv(io.StringIO(
                "code,name,type,parent,state\n"
                "WB-N24P-BASIRHAT-I-TEST-V,Renamed Village,village,"
                "WB-N24P-BASIRHAT-I-TEST-GP,\n"))
        village, = Place.search([('code', '=', 'WB-N24P-BASIRHAT-I-TEST-V')])
        self.assertEqual(village.name, "Renamed Village")

    @with_transaction()
    def test_place_import_bad_row(self):
        "Test a bad row rejects the whole places file"
        pool = Pool()
        Place = pool.get('shakti.place')

        count = Place.search_count([])
        with self.assertRaises(PlaceImportError) as cm:
            Place.import_csv(io.StringIO(
                    "code,name,type,parent,state\n"
                    "X-GP-1,Good Panchayat,gram_panchayat,"
                    "WB-N24P-BASIRHAT-I,\n"
                    "X-GP-2,Bad Panchayat,gram_panchayat,NO-SUCH-BLOCK,\n"))
        self.assertEqual(
            cm.exception.message,
            'Line 3 of the places file has an invalid parent: '
            '"NO-SUCH-BLOCK". Nothing was imported.')
        self.assertEqual(Place.search_count([]), count)

    @with_transaction()
    def test_place_import_parent_type(self):
        "Test a row under a parent of the wrong type names its line"
        pool = Pool()
        Place = pool.get('shakti.place')

        with self.assertRaises(PlaceImportError) as cm:
            Place.import_csv(io.StringIO(
                    "code,name,type,parent,state\n"
                    "X-V-1,Wrong Village,village,WB-N24P,\n"))
        self.assertEqual(
            cm.exception.message,
            'Line 2 of the places file has an invalid parent: "WB-N24P". '
            'Nothing was imported.')

    @with_transaction()
    def test_place_type_change_checks_children(self):
        "Test a district cannot become a block while it has blocks"
        pool = Pool()
        Place = pool.get('shakti.place')

        with self.assertRaises(PlaceError):
            Place.import_csv(io.StringIO(
                    "code,name,type,parent,state\n"
                    "WB-N24P,Renamed District,block,WB-S24P,\n"))

    @with_transaction()
    def test_place_import_without_update(self):
        "Test importing without update keeps the existing places"
        pool = Pool()
        Place = pool.get('shakti.place')

        Place.import_csv(io.StringIO(
                "code,name,type,parent,state\n"
                "WB-N24P,Renamed District,district,,IN-WB\n"), update=False)
        north, = Place.search([('code', '=', 'WB-N24P')])
        self.assertEqual(north.name, "North 24 Parganas")

    @with_transaction()
    def test_place_parent_type(self):
        "Test a block cannot be placed under a village"
        pool = Pool()
        Place = pool.get('shakti.place')

        block, = Place.search([('name', '=', "Basirhat-I")])
        with self.assertRaises(PlaceError):
            Place.create([{
                        'code': 'X-DISTRICT',
                        'name': "Wrong District",
                        'type': 'district',
                        'parent': block.id,
                        }])

    @with_transaction()
    def test_organisation_hierarchy_companies(self):
        "Test users of a parent organisation get its children's companies"
        pool = Pool()
        Company = pool.get('company.company')
        User = pool.get('res.user')

        lead = create_company("Lead NGO")
        partner = create_company("Partner NGO", currency=lead.currency)
        cbo = create_company("Village CBO", currency=lead.currency)
        lead.organisation_type = 'lead'
        partner.organisation_type = 'partner'
        partner.parent = lead
        cbo.organisation_type = 'cbo'
        cbo.parent = partner
        Company.save([lead, partner, cbo])

        lead_user, cbo_user = User.create([{
                    'login': 'lead',
                    'companies': [('add', [lead.id])],
                    'company': lead.id,
                    }, {
                    'login': 'cbo',
                    'companies': [('add', [cbo.id])],
                    'company': cbo.id,
                    }])
        with Transaction().set_user(lead_user.id):
            self.assertEqual(
                set(User.get_companies()), {lead.id, partner.id, cbo.id})
        with Transaction().set_user(cbo_user.id):
            self.assertEqual(User.get_companies(), (cbo.id,))

    @with_transaction()
    def test_organisation_parent_type(self):
        "Test a lead NGO cannot be placed under a CBO"
        pool = Pool()
        Company = pool.get('company.company')

        lead = create_company("Lead NGO")
        cbo = create_company("Village CBO", currency=lead.currency)
        cbo.organisation_type = 'cbo'
        cbo.save()
        lead.organisation_type = 'partner'
        lead.parent = cbo
        with set_company(lead), self.assertRaises(OrganisationError):
            Company.save([lead])

    @with_transaction()
    def test_indian_language_formats(self):
        "Test the Indian languages format dates and numbers the Indian way"
        pool = Pool()
        Lang = pool.get('ir.lang')
        Currency = pool.get('currency.currency')

        inr, = Currency.search([('code', '=', 'INR')])
        for code in ['bn', 'te', 'hi', 'en_IN']:
            with self.subTest(code=code):
                lang = Lang.get(code)
                self.assertEqual(lang.code, code)
                self.assertEqual(
                    lang.strftime(dt.date(2026, 11, 5)), '05/11/2026')
                self.assertEqual(
                    lang.format('%.2f', 1234567.89, grouping=True),
                    '12,34,567.89')
                self.assertEqual(
                    lang.format('%d', 123456789, grouping=True),
                    '12,34,56,789')
                self.assertEqual(
                    lang.currency(Decimal('120000.00'), inr, grouping=True),
                    '₹1,20,000.00')
                self.assertEqual(
                    lang.currency(Decimal('-999.50'), inr, grouping=True),
                    '-₹999.50')
        english = Lang.get('en')
        self.assertEqual(
            english.format('%.2f', 1234567.89, grouping=True),
            '1,234,567.89')


del ModuleTestCase
