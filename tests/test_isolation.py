# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Isolation of organisations, swept over every Shakti model.

The demo data contains records of several organisations. For every model
that contains organisation or survivor data, users of two CBOs and of
three partners, in several roles, must see their own records only, by every
read route."""
import unittest
from collections import defaultdict

from trytond.model import ModelView
from trytond.model.exceptions import AccessError
from trytond.modules.shakti_base.exceptions import OrganisationError
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    DB_NAME, USER, activate_module, drop_db, with_transaction)
from trytond.transaction import Transaction

from demo import data as demo_data

from .tools import company_rule_domain, shakti_modules, survivor_models

CBO_USERS = ['cw.basirhat1', 'cw.hasnabad']
PARTNER_USER = 'supervisor.canning'
# The livelihood officers of two partners that work alone.
LIVELIHOOD_USERS = ['livelihood.canning', 'livelihood.vedika']
# The finance officer of the partner that funds CBOs, swept because only
# finance staff read the grants.
FINANCE_USER = 'finance.jote'
MONITORING_USER = 'me.lead'


def user_id(login):
    pool = Pool()
    User = pool.get('res.user')

    user, = User.search([('login', '=', login)])
    return user.id


def owners(Model, path):
    "Return the organisation id of each record of Model, as root"
    owner_field = path.replace('.', '/') + '/id'
    records = Model.search([])
    rows = Model.export_data(records, ['id', owner_field])
    return {int(r[0]): int(r[1]) for r in rows}


class IsolationTestCase(unittest.TestCase):
    "Test organisations cannot reach each other's records"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        drop_db()
        activate_module(shakti_modules())
        demo_data.load_database(DB_NAME)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        drop_db()

    def survivor_models(self):
        models = survivor_models()
        self.assertIn('shakti.survivor', models)
        unprotected = sorted(m for m, p in models.items() if p is None)
        self.assertEqual(
            unprotected, [],
            msg="These models link to survivor or organisation data but "
            "have no company field nor __access__ to a scoped model")
        return models

    @with_transaction()
    def test_every_model_has_company_rule(self):
        "Test every model with a company field has the global company rule"
        pool = Pool()
        Rule = pool.get('ir.rule')

        for name, path in self.survivor_models().items():
            if path != 'company':
                continue
            with self.subTest(model=name):
                rules = Rule.search([
                        ('rule_group.model', '=', name),
                        ('rule_group.global_p', '=', True),
                        ('rule_group.perm_read', '=', True),
                        ('domain', '=', company_rule_domain()),
                        ])
                self.assertTrue(rules, msg="%s has no company rule" % name)

    @with_transaction()
    def test_demo_covers_every_model(self):
        "Test the demo data has records of every model in two organisations"
        pool = Pool()

        for name, path in self.survivor_models().items():
            with self.subTest(model=name):
                organisations = set(owners(pool.get(name), path).values())
                self.assertGreaterEqual(
                    len(organisations), 2,
                    msg="Add records of %s for two organisations to the "
                    "demo data" % name)

    def readable_models(self, models):
        "Return the models of models the current user may read"
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')

        return {name: path for name, path in models.items()
            if ModelAccess.check(name, 'read', raise_exception=False)}

    def check_isolation(self, login):
        """Check the user finds only her organisations' records of the
        models she may read, and none of the others"""
        pool = Pool()
        User = pool.get('res.user')

        uid = user_id(login)
        all_models = self.survivor_models()
        ownership = {
            name: owners(pool.get(name), path)
            for name, path in all_models.items()}
        with Transaction().set_user(uid), \
                Transaction().set_context(_check_access=True):
            models = self.readable_models(all_models)
            for name in sorted(set(all_models) - set(models)):
                with self.subTest(user=login, model=name), \
                        self.assertRaises(AccessError):
                    pool.get(name).search([])
            companies = set(User.get_companies())
            for name, path in models.items():
                Model = pool.get(name)
                own = {i for i, c in ownership[name].items()
                    if c in companies}
                foreign = sorted(set(ownership[name]) - own)
                with self.subTest(user=login, model=name):
                    self.assertTrue(foreign, msg="no foreign records")
                    self.check_model(Model, own, foreign)
            self.check_related_fields(models, ownership, companies)

    def check_model(self, Model, own, foreign):
        found = {r.id for r in Model.search([])}
        self.assertEqual(found, own)
        self.assertEqual(Model.search_count([]), len(own))
        self.assertEqual(
            Model.search([('id', 'in', foreign)]), [])
        with self.assertRaises(AccessError):
            Model.read(foreign[:1], ['rec_name'])
        with self.assertRaises(AccessError):
            Model.export_data(Model.browse(foreign[:1]), ['rec_name'])
        exported = Model.export_data_domain([], ['id'])
        self.assertEqual({int(r[0]) for r in exported}, own)
        with self.assertRaises(AccessError):
            Model.delete(Model.browse(foreign[:1]))
        with self.assertRaises(AccessError):
            Model.copy(Model.browse(foreign[:1]))
        if getattr(Model, '_history', False):
            with self.assertRaises(AccessError):
                Model.history_revisions(foreign[:1])
        self.check_on_change(Model, foreign)

    def check_on_change(self, Model, foreign):
        "Check on_change calls do not read another's record"
        methods = [name for name in dir(Model)
            if name.startswith('on_change_')
            and name not in {'on_change_with', 'on_change_notify'}]
        if not methods:
            return
        record = Model(id=foreign[0])
        with self.assertRaises(AccessError):
            record.on_change([])
        with self.assertRaises(AccessError):
            record.on_change_with([])
        # Each field's on_change is also served on its own.
        for name in methods:
            rpc = Model.__rpc__.get(name)
            if rpc is None:
                continue
            method = rpc.decorate(getattr(Model, name))
            with self.subTest(method=name), self.assertRaises(AccessError):
                method(Model(id=foreign[0]))

    def check_related_fields(self, models, ownership, companies):
        "Check no domain through a relation finds another's records"
        pool = Pool()

        targets = defaultdict(list)
        for name in models:
            Model = pool.get(name)
            for fname, field in Model._fields.items():
                target = getattr(field, 'model_name', None)
                if (field._type in {'many2one', 'one2many', 'many2many'}
                        and target in models):
                    targets[target].append((name, fname))
        for target, relations in targets.items():
            foreign = [i for i, c in ownership[target].items()
                if c not in companies]
            for name, fname in relations:
                Model = pool.get(name)
                own = [i for i, c in ownership[name].items()
                    if c in companies]
                with self.subTest(model=name, field=fname):
                    self.assertEqual(Model.search([
                                (fname, 'in', foreign),
                                ]), [])
                    self.assertEqual(Model.search([
                                ('%s.id' % fname, 'in', foreign),
                                ]), [])
                    field = Model._fields[fname]
                    if (field._type == 'many2one'
                            and issubclass(Model, ModelView)):
                        # An on_change result names the linked records.
                        record = Model(**{fname: foreign[0]})
                        with self.assertRaises(AccessError):
                            record._changed_values()
                    if (field._type == 'many2one' and own
                            and not hasattr(field, 'getter')
                            and not Model._is_table_query()):
                        # The validation messages would name the record.
                        for value in [foreign[0], str(foreign[0])]:
                            with self.assertRaises(AccessError):
                                Model.write(
                                    Model.browse(own[:1]), {fname: value})

    @with_transaction()
    def test_notes_do_not_name_other_records(self):
        "Test a note or attachment on_change does not name another's record"
        pool = Pool()
        Note = pool.get('ir.note')
        Attachment = pool.get('ir.attachment')

        models = survivor_models()
        uid = user_id(CBO_USERS[0])
        ownership = {
            name: owners(pool.get(name), path)
            for name, path in models.items()}
        with Transaction().set_user(uid), \
                Transaction().set_context(_check_access=True):
            companies = set(pool.get('res.user').get_companies())
            for name in sorted(models):
                if pool.get(name)._is_table_query():
                    continue
                foreign = [i for i, c in ownership[name].items()
                    if c not in companies]
                for Model in [Note, Attachment]:
                    record = Model(resource='%s,%s' % (name, foreign[0]))
                    with self.subTest(model=Model.__name__, resource=name), \
                            self.assertRaises(AccessError):
                        record._changed_values()

    @with_transaction()
    def test_first_cbo_isolated(self):
        "Test a case worker of one CBO sees only her CBO's records"
        self.check_isolation(CBO_USERS[0])

    @with_transaction()
    def test_second_cbo_isolated(self):
        "Test a case worker of another CBO sees only her CBO's records"
        self.check_isolation(CBO_USERS[1])

    @with_transaction()
    def test_partner_isolated(self):
        "Test a partner sees neither the consortium's nor its CBOs' records"
        self.check_isolation(PARTNER_USER)

    @with_transaction()
    def test_first_livelihood_isolated(self):
        "Test a partner's livelihood officer sees only its records"
        self.check_isolation(LIVELIHOOD_USERS[0])

    @with_transaction()
    def test_second_livelihood_isolated(self):
        "Test another partner's livelihood officer sees only its records"
        self.check_isolation(LIVELIHOOD_USERS[1])

    @with_transaction()
    def test_partner_finance_isolated(self):
        "Test a partner's finance officer sees only its and its CBOs' records"
        self.check_isolation(FINANCE_USER)

    @with_transaction()
    def test_every_model_swept(self):
        "Test every scoped model is read by one of the users swept"
        swept = set()
        for login in (
                CBO_USERS + [PARTNER_USER] + LIVELIHOOD_USERS
                + [FINANCE_USER]):
            with Transaction().set_user(user_id(login)), \
                    Transaction().set_context(_check_access=True):
                swept |= set(self.readable_models(self.survivor_models()))
        self.assertEqual(sorted(set(self.survivor_models()) - swept), [])

    # The Tryton models the market uses, with the path to the organisation
    # of their records; None there means a record shared with everyone.
    MARKET_MODELS = {
        'product.template': 'organisation',
        'product.product': 'template.organisation',
        'stock.location': 'organisation',
        'stock.move': 'company',
        'stock.shipment.internal': 'company',
        'quality.inspection': 'company',
        'quality.alert': 'company',
        'sale.point': 'company',
        'sale.point.sale': 'company',
        'sale.point.sale.line': 'sale.company',
        'sale.point.payment': 'sale.company',
        'sale.point.cash.session': 'point.company',
        'sale.point.cash.transfer': 'point.company',
        }

    def check_market_isolation(self, login):
        """Check the user reads only her organisations' records of the
        Tryton models that the market uses, and the shared ones"""
        pool = Pool()
        User = pool.get('res.user')

        ownership = {}
        for name, path in self.MARKET_MODELS.items():
            Model = pool.get(name)
            records = Model.search([])
            owner = path.replace('.', '/') + '/id'
            rows = Model.export_data(records, ['id', owner])
            ownership[name] = {
                int(r[0]): int(r[1]) if r[1] not in {None, ''} else None
                for r in rows}
        uid = user_id(login)
        with Transaction().set_user(uid), \
                Transaction().set_context(_check_access=True):
            companies = set(User.get_companies())
            for name, owners_ in ownership.items():
                Model = pool.get(name)
                own = {i for i, c in owners_.items()
                    if c is None or c in companies}
                foreign = sorted(set(owners_) - own)
                with self.subTest(user=login, model=name):
                    self.assertTrue(foreign, msg="no foreign records")
                    try:
                        found = {r.id for r in Model.search([])}
                    except AccessError:
                        continue
                    self.assertEqual(found, own)
                    with self.assertRaises(AccessError):
                        Model.read(foreign[:1], ['rec_name'])

    @with_transaction()
    def test_market_records_of_cbo(self):
        "Test a CBO reads only its own products, places, stock and sales"
        self.check_market_isolation(CBO_USERS[0])

    @with_transaction()
    def test_market_records_of_partner(self):
        "Test a partner's livelihood officer reads only its market records"
        self.check_market_isolation(LIVELIHOOD_USERS[0])

    @with_transaction()
    def test_member_survivor_link_for_case_roles(self):
        "Test only case roles see that a group member is a survivor"
        pool = Pool()
        Member = pool.get('shakti.shg.member')
        Group = pool.get('shakti.shg')

        member, = Member.search([
                ('survivor', '!=', None),
                ('company.party.name', '=', "Canning Sakhi Samiti"),
                ], limit=1)
        with Transaction().set_user(user_id('livelihood.canning')), \
                Transaction().set_context(_check_access=True):
            self.assertEqual(
                Member.read([member.id], ['name'])[0]['name'], member.name)
            with self.assertRaises(AccessError):
                Member.read([member.id], ['survivor'])
            with self.assertRaises(AccessError):
                Member.search([('survivor', '!=', None)])
        with Transaction().set_user(user_id('cw.canning')), \
                Transaction().set_context(_check_access=True):
            self.assertEqual(
                Member.read([member.id], ['survivor'])[0]['survivor'],
                member.survivor.id)
        with Transaction().set_user(user_id(MONITORING_USER)), \
                Transaction().set_context(_check_access=True):
            self.assertTrue(Group.search([]))
            with self.assertRaises(AccessError):
                Member.search([])

    @with_transaction()
    def test_link_to_other_survivor(self):
        "Test a case worker cannot attach records to another's survivor"
        pool = Pool()
        Survivor = pool.get('shakti.survivor')
        Application = pool.get('shakti.application')
        Scheme = pool.get('shakti.scheme')
        User = pool.get('res.user')

        scheme, = Scheme.search([('code', '=', 'PMAY-G')])
        uid = user_id(CBO_USERS[0])
        companies = User(uid).companies
        foreign, = Survivor.search([
                ('company', 'not in', [c.id for c in companies]),
                ], limit=1)
        with Transaction().set_user(uid), \
                Transaction().set_context(
                    _check_access=True, company=companies[0].id):
            with self.assertRaises(AccessError):
                Application.create([{
                            'survivor': foreign.id,
                            'scheme': scheme.id,
                            }])
            with self.assertRaises(AccessError):
                Survivor.write([Survivor(foreign.id)], {'phone': '0'})
            application = Application(survivor=Survivor(foreign.id))
            with self.assertRaises(AccessError):
                application.on_change_survivor()

    @with_transaction()
    def test_organisation_cannot_change(self):
        "Test a survivor cannot be moved to another organisation"
        pool = Pool()
        Survivor = pool.get('shakti.survivor')

        uid = user_id('supervisor.jote')
        with Transaction().set_user(uid), \
                Transaction().set_context(_check_access=True):
            survivor = Survivor.search([], limit=1)[0]
            other = [c for c in pool.get('res.user').get_companies()
                if c != survivor.company.id]
            with self.assertRaises(OrganisationError):
                Survivor.write([survivor], {'company': other[0]})

    @with_transaction()
    def test_case_attachments_hidden_from_monitoring(self):
        "Test notes and attachments on survivors are for case roles only"
        pool = Pool()
        Survivor = pool.get('shakti.survivor')
        Note = pool.get('ir.note')
        Attachment = pool.get('ir.attachment')

        survivor = Survivor.search([], limit=1)[0]
        resource = str(survivor)
        note, = Note.create([{
                    'resource': resource,
                    'message': "Invented note about the case"}])
        attachment, = Attachment.create([{
                    'resource': resource,
                    'name': 'card.txt',
                    'data': b'invented scan'}])
        with Transaction().set_user(user_id(MONITORING_USER)), \
                Transaction().set_context(_check_access=True):
            self.assertEqual(Note.search([('resource', '=', resource)]), [])
            self.assertEqual(
                Attachment.search([('resource', '=', resource)]), [])
            with self.assertRaises(AccessError):
                Note.read([note.id], ['message'])
            with self.assertRaises(AccessError):
                Attachment.read([attachment.id], ['data'])
        worker = Survivor(survivor.id).social_worker
        login, = [u.login for u in pool.get('res.user').search([
                    ('employees', '=', worker.id)])]
        with Transaction().set_user(user_id(login)), \
                Transaction().set_context(_check_access=True):
            self.assertEqual(
                Note.search([('resource', '=', resource)]), [note])
            self.assertEqual(
                Note.read([note.id], ['message'])[0]['message'],
                "Invented note about the case")

    @with_transaction()
    def test_lead_sees_partners(self):
        "Test the lead NGO sees the records of every partner and CBO"
        pool = Pool()
        Survivor = pool.get('shakti.survivor')

        total = Survivor.search_count([])
        with Transaction().set_user(user_id(MONITORING_USER)), \
                Transaction().set_context(_check_access=True):
            self.assertEqual(Survivor.search_count([]), total)

    @with_transaction()
    def test_survivors_not_in_parties(self):
        "Test survivors' names never appear in the global party list"
        pool = Pool()
        Survivor = pool.get('shakti.survivor')
        Party = pool.get('party.party')

        names = [s.name for s in Survivor.search([])]
        self.assertTrue(names)
        self.assertEqual(Party.search([('name', 'in', names)]), [])
        for login in CBO_USERS:
            with Transaction().set_user(user_id(login)), \
                    Transaction().set_context(_check_access=True):
                self.assertEqual(
                    Party.search([('rec_name', 'ilike', names[0])]), [])

    @with_transaction()
    def test_monitoring_reads_codes_not_names(self):
        "Test monitoring reads case codes but no identifying field"
        pool = Pool()
        Survivor = pool.get('shakti.survivor')

        survivor = Survivor.search([], limit=1)[0]
        name = survivor.name
        with Transaction().set_user(user_id(MONITORING_USER)), \
                Transaction().set_context(_check_access=True):
            code, = Survivor.read([survivor.id], ['code', 'rec_name'])
            self.assertEqual(code['rec_name'], survivor.code)
            for field in ['name', 'phone', 'date_of_birth', 'birth_year',
                    'village', 'identity_documents', 'notes']:
                with self.subTest(field=field):
                    with self.assertRaises(AccessError):
                        Survivor.read([survivor.id], [field])
            with self.assertRaises(AccessError):
                Survivor.search([('name', '=', name)])
            self.assertEqual(
                Survivor.search([('rec_name', '=', name)]), [])
            with self.assertRaises(AccessError):
                Survivor.export_data([survivor], ['name'])
            self.check_hidden_fields({
                    'shakti.survivor.identity_document': ['number'],
                    'shakti.survivor.consent': ['notes'],
                    'shakti.intake.need': ['description'],
                    'shakti.application': ['notes'],
                    'shakti.application.follow_up': ['notes'],
                    })

    def check_hidden_fields(self, hidden):
        "Check the current user can read records but not the hidden fields"
        pool = Pool()

        for name, field_names in hidden.items():
            Model = pool.get(name)
            records = Model.search([], limit=1)
            self.assertTrue(records, msg="%s has no readable record" % name)
            Model.read([records[0].id], ['id', 'create_date'])
            for field_name in field_names:
                with self.subTest(model=name, field=field_name):
                    with self.assertRaises(AccessError):
                        Model.read([records[0].id], [field_name])

    @with_transaction()
    def test_case_worker_reads_names(self):
        "Test a case worker reads her own survivors' names"
        pool = Pool()
        Survivor = pool.get('shakti.survivor')

        with Transaction().set_user(user_id(CBO_USERS[0])), \
                Transaction().set_context(_check_access=True):
            survivors = Survivor.search([])
            self.assertTrue(survivors)
            rows = Survivor.read([s.id for s in survivors], ['name'])
            self.assertTrue(all(r['name'] for r in rows))
            name = rows[0]['name']
            self.assertEqual(
                [s.id for s in Survivor.search([('rec_name', '=', name)])],
                [rows[0]['id']])


del USER
