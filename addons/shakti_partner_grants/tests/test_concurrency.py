# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import threading
import unittest
from decimal import Decimal

from trytond import backend
from trytond.modules.shakti_base.tests.concurrency import ConcurrencyTestMixin
from trytond.modules.shakti_partner_grants.exceptions import (
    AgreementError, DisbursementError, GrantError, TrancheError)
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import Transaction, TransactionError

from .tools import (
    as_user, create_agreement, create_grant, create_hierarchy, create_user)


def setup_signed_agreement(login):
    """Create the organisations, a finance officer of the lead NGO named
    login, a grant of 1,000,000.00 and a signed agreement of 600,000.00
    with the partner in two tranches of 300,000.00, and return their ids"""
    pool = Pool()
    Agreement = pool.get('shakti.grant.agreement')

    organisations = create_hierarchy()
    finance = create_user(
        login, organisations['lead'], 'group_finance_officer')
    grant = create_grant(organisations['lead'])
    agreement = create_agreement(organisations['partner'], grant)
    Agreement.activate([agreement])
    return {
        'finance': finance.id,
        'grant': grant.id,
        'agreement': agreement.id,
        'tranche': agreement.tranches[0].id,
        'organisations': {n: c.id for n, c in organisations.items()},
        }


def setup_approved_tranche(login):
    "Set up a signed agreement and approve the release of its first tranche"
    pool = Pool()
    Tranche = pool.get('shakti.grant.tranche')

    ids = setup_signed_agreement(login)
    tranche = Tranche(ids['tranche'])
    Tranche.request([tranche])
    Tranche.approve([tranche])
    return ids


def disburse(user_id, tranche_id, amount, reference):
    "Record as the user a disbursement of amount on the tranche today"
    pool = Pool()
    User = pool.get('res.user')
    Disbursement = pool.get('shakti.grant.disbursement')
    Date = pool.get('ir.date')

    with as_user(User(user_id)), Transaction().set_context(language='en'):
        Disbursement.create([{
                    'tranche': tranche_id,
                    'date': Date.today(),
                    'amount': amount,
                    'reference': reference,
                    }])


def fund(recipient_id, source_name, source_id, amount, reference):
    """Create a draft agreement of amount with the recipient, funded by
    the source, a grant or an agreement"""
    pool = Pool()
    Company = pool.get('company.company')
    Source = pool.get(source_name)

    with Transaction().set_context(language='en'):
        create_agreement(
            Company(recipient_id), Source(source_id), amount=amount,
            reference=reference)


def withdraw(tranche_id):
    "Withdraw the release of the tranche"
    pool = Pool()
    Tranche = pool.get('shakti.grant.tranche')
    with Transaction().set_context(language='en'):
        Tranche.withdraw([Tranche(tranche_id)])


def setup_report(login):
    """Set up an approved tranche, disburse 200,000.00 on it and write a
    draft utilisation report of 150,000.00 under its agreement"""
    pool = Pool()
    Utilisation = pool.get('shakti.grant.utilisation')
    Date = pool.get('ir.date')
    Agreement = pool.get('shakti.grant.agreement')

    ids = setup_approved_tranche(login)
    disburse(ids['finance'], ids['tranche'], Decimal('200000.00'), "UTR-1")
    agreement = Agreement(ids['agreement'])
    today = Date.today()
    report, = Utilisation.create([{
                'agreement': agreement.id,
                'date': today,
                'start_date': agreement.start_date,
                'end_date': min(today, agreement.end_date),
                'lines': [('create', [{
                                'budget_line': agreement.budget_lines[0].id,
                                'amount': Decimal('150000.00'),
                                }])],
                }])
    ids['disbursement'], = [
        d.id for d in agreement.tranches[0].disbursements]
    ids['report'] = report.id
    return ids


def submit_report(report_id):
    "Submit the utilisation report"
    pool = Pool()
    Utilisation = pool.get('shakti.grant.utilisation')
    with Transaction().set_context(language='en'):
        Utilisation.submit([Utilisation(report_id)])


def delete_disbursement(disbursement_id):
    "Delete the disbursement"
    pool = Pool()
    Disbursement = pool.get('shakti.grant.disbursement')
    with Transaction().set_context(language='en'):
        Disbursement.delete([Disbursement(disbursement_id)])


def today_():
    "Return today's date"
    return Pool().get('ir.date').today()


def close(agreement_id):
    "Close the agreement"
    pool = Pool()
    Agreement = pool.get('shakti.grant.agreement')
    with Transaction().set_context(language='en'):
        Agreement.close([Agreement(agreement_id)])


def disbursed(tranche_id):
    "Return the sum of the disbursements of the tranche and its state"
    pool = Pool()
    Tranche = pool.get('shakti.grant.tranche')
    tranche = Tranche(tranche_id)
    return tranche.disbursed_amount, tranche.state


def agreement_state(agreement_id):
    "Return the state of the agreement"
    pool = Pool()
    Agreement = pool.get('shakti.grant.agreement')
    return Agreement(agreement_id).state


def allocated(source_name, source_id):
    """Return the sum of the agreements funded by the source and their
    references"""
    pool = Pool()
    Allocation = pool.get('shakti.grant.allocation')
    Source = pool.get(source_name)
    source = Source(source_id)
    field = 'grant' if source_name == 'shakti.grant' else 'parent'
    allocations = Allocation.search([(field, '=', source_id)])
    return (Allocation.committed_amounts(field, [source]).get(
            source_id, Decimal(0)),
        sorted(a.agreement.reference for a in allocations))


@unittest.skipIf(
    backend.name != 'postgresql',
    "SQLite lets one transaction write at a time, so two transactions "
    "never disburse or allocate at once")
class ReleaseConcurrencyTestCase(ConcurrencyTestMixin, unittest.TestCase):
    "Test concurrent disbursements and allocations"

    module = 'shakti_partner_grants'

    def read(self, func, *args):
        "Return what func reads in a transaction of its own"
        with Transaction(new=True).start(DB_NAME, 0) as transaction:
            result = func(*args)
            transaction.rollback()
            return result

    def all_lock_extras(self, func, *args):
        """Return all the locks that func needs, found as Tryton's retry
        finds them, one at a time"""
        extras = {}
        while True:
            with Transaction(new=True).start(
                    DB_NAME, 0, **extras) as transaction:
                try:
                    func(*args)
                except TransactionError as error:
                    error.fix(extras)
                    continue
                finally:
                    transaction.rollback()
                return extras

    def interleave(self, extras, first, second):
        """Run first and second, each a function and its arguments, in
        transactions started with extras and return what second raises.

        Second starts once while first holds its locks, and again once
        first has committed."""
        with Transaction(new=True).start(DB_NAME, 0, **extras) as one:
            first[0](*first[1:])
            # The second transaction finds the rows locked, retries, then
            # gives up.
            with self.assertRaises(backend.DatabaseOperationalError):
                with Transaction(new=True).start(DB_NAME, 0, **extras):
                    pass
            one.commit()
        with Transaction(new=True).start(DB_NAME, 0, **extras) as two:
            try:
                second[0](*second[1:])
            except Exception as exception:
                return exception
            finally:
                two.rollback()

    def hold(self, extras, first, second):
        """Run first and second, each a function and its arguments, and
        return what second raised, or None once committed.

        First runs in a transaction started with extras. While it holds
        its locks, second runs in a thread as the server runs a request,
        and first commits at most one second later."""
        outcome = []

        def run():
            try:
                self.commit(*second)
            except Exception as exception:
                outcome.append(exception)
            else:
                outcome.append(None)

        thread = threading.Thread(target=run)
        with Transaction(new=True).start(DB_NAME, 0, **extras) as one:
            first[0](*first[1:])
            thread.start()
            thread.join(1)
            one.commit()
        thread.join()
        return outcome[0]

    def race(self, *calls):
        """Run each call, a function and its arguments, in a thread of its
        own, all at once, as the server runs two requests.

        Return for each call None once committed, or the exception it
        raised."""
        barrier = threading.Barrier(len(calls))
        outcomes = [None] * len(calls)

        def run(i, func, *args):
            barrier.wait()
            try:
                self.commit(func, *args)
            except Exception as exception:
                outcomes[i] = exception

        threads = [threading.Thread(target=run, args=(i, *call))
            for i, call in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return outcomes

    def test_disbursements_lock_tranche(self):
        "Test a disbursement locks its tranche and nothing else"
        ids = self.commit(setup_approved_tranche, 'finance-locks')
        extras = self.all_lock_extras(
            disburse, ids['finance'], ids['tranche'], Decimal('200000.00'),
            "UTR-1")
        self.assertEqual(extras, {
                '_lock_records': {'shakti_grant_tranche': [ids['tranche']]},
                })

    def test_concurrent_disbursements(self):
        "Test two disbursements at once cannot exceed their tranche"
        ids = self.commit(setup_approved_tranche, 'finance-interleave')
        user, tranche = ids['finance'], ids['tranche']
        extras = self.all_lock_extras(
            disburse, user, tranche, Decimal('200000.00'), "UTR-1")

        error = self.interleave(extras,
            (disburse, user, tranche, Decimal('200000.00'), "UTR-1"),
            (disburse, user, tranche, Decimal('150000.00'), "UTR-2"))

        self.assertIsInstance(error, DisbursementError)
        self.assertEqual(error.message,
            'The disbursements of tranche "A-1 Tranche 1" would add up to '
            '₹350,000.00, more than its amount ₹300,000.00.')
        self.assertEqual(self.read(disbursed, tranche),
            (Decimal('200000.00'), 'approved'))

    def test_racing_disbursements(self):
        "Test two disbursements started together: exactly one commits"
        ids = self.commit(setup_approved_tranche, 'finance-race')
        user, tranche = ids['finance'], ids['tranche']
        amounts = [Decimal('200000.00'), Decimal('150000.00')]

        outcomes = self.race(
            (disburse, user, tranche, amounts[0], "UTR-1"),
            (disburse, user, tranche, amounts[1], "UTR-2"))

        committed = [a for a, o in zip(amounts, outcomes) if o is None]
        failed = [o for o in outcomes if o is not None]
        self.assertEqual(len(committed), 1, outcomes)
        error, = failed
        self.assertIsInstance(
            error, (DisbursementError, backend.DatabaseOperationalError))
        if isinstance(error, DisbursementError):
            self.assertEqual(error.message,
                'The disbursements of tranche "A-1 Tranche 1" would add up '
                'to ₹350,000.00, more than its amount ₹300,000.00.')
        self.assertEqual(
            self.read(disbursed, tranche), (committed[0], 'approved'))

    def test_allocation_locks_grant(self):
        "Test funding an agreement from a grant locks the grant only"
        ids = self.commit(setup_signed_agreement, 'finance-grant-locks')
        extras = self.all_lock_extras(
            fund, ids['organisations']['partner'], 'shakti.grant',
            ids['grant'], Decimal('300000.00'), 'A-2')
        self.assertEqual(extras, {
                '_lock_records': {'shakti_grant': [ids['grant']]},
                })

    def test_concurrent_allocations(self):
        "Test two agreements funded at once cannot exceed their grant"
        ids = self.commit(setup_signed_agreement, 'finance-grant')
        partner, grant = ids['organisations']['partner'], ids['grant']
        extras = self.all_lock_extras(
            fund, partner, 'shakti.grant', grant, Decimal('300000.00'),
            'A-2')

        # The grant of 1,000,000.00 funds 600,000.00: each agreement of
        # 300,000.00 fits alone, both do not.
        error = self.interleave(extras,
            (fund, partner, 'shakti.grant', grant, Decimal('300000.00'),
                'A-2'),
            (fund, partner, 'shakti.grant', grant, Decimal('300000.00'),
                'A-3'))

        self.assertIsInstance(error, GrantError)
        self.assertEqual(error.message,
            'The agreements funded by "G-1 - Community rehabilitation" add '
            'up to ₹1,200,000.00, more than its amount ₹1,000,000.00.')
        self.assertEqual(self.read(allocated, 'shakti.grant', grant),
            (Decimal('900000.00'), ['A-1', 'A-2']))

    def test_racing_allocations(self):
        "Test two agreements funded together: exactly one commits"
        ids = self.commit(setup_signed_agreement, 'finance-grant-race')
        partner, grant = ids['organisations']['partner'], ids['grant']

        outcomes = self.race(
            (fund, partner, 'shakti.grant', grant, Decimal('300000.00'),
                'A-2'),
            (fund, partner, 'shakti.grant', grant, Decimal('300000.00'),
                'A-3'))

        committed = [r for r, o in zip(['A-2', 'A-3'], outcomes)
            if o is None]
        self.assertEqual(len(committed), 1, outcomes)
        error, = [o for o in outcomes if o is not None]
        self.assertIsInstance(
            error, (GrantError, backend.DatabaseOperationalError))
        self.assertEqual(self.read(allocated, 'shakti.grant', grant),
            (Decimal('900000.00'), sorted(['A-1'] + committed)))

    def test_concurrent_sub_agreements(self):
        "Test two agreements funded at once cannot exceed their parent"
        ids = self.commit(setup_signed_agreement, 'finance-parent')
        organisations = ids['organisations']
        parent = ids['agreement']
        call = (fund, organisations['alpha'], 'shakti.grant.agreement',
            parent, Decimal('400000.00'), 'A-ALPHA')
        extras = self.all_lock_extras(*call)
        self.assertEqual(extras, {
                '_lock_records': {'shakti_grant_agreement': [parent]},
                })

        # The agreement of 600,000.00 funds each agreement of 400,000.00
        # alone, not both.
        error = self.interleave(extras, call,
            (fund, organisations['beta'], 'shakti.grant.agreement', parent,
                Decimal('400000.00'), 'A-BETA'))

        self.assertIsInstance(error, GrantError)
        self.assertEqual(error.message,
            'The agreements funded by "A-1 (Test Partner)" add up to '
            '₹800,000.00, more than its amount ₹600,000.00.')
        self.assertEqual(
            self.read(allocated, 'shakti.grant.agreement', parent),
            (Decimal('400000.00'), ['A-ALPHA']))

    def test_withdraw_during_disbursement(self):
        "Test a release is not withdrawn while its tranche is paid"
        ids = self.commit(setup_approved_tranche, 'finance-withdraw')
        user, tranche = ids['finance'], ids['tranche']
        extras = self.all_lock_extras(withdraw, tranche)
        self.assertEqual(extras, {
                '_lock_records': {'shakti_grant_tranche': [tranche]},
                })

        error = self.hold(extras,
            (disburse, user, tranche, Decimal('100000.00'), "UTR-1"),
            (withdraw, tranche))

        self.assertIsInstance(
            error, (TrancheError, backend.DatabaseOperationalError))
        if isinstance(error, TrancheError):
            self.assertEqual(error.message,
                'Tranche "A-1 Tranche 1" has disbursements and its release '
                'cannot be withdrawn.')
        self.assertEqual(self.read(disbursed, tranche),
            (Decimal('100000.00'), 'approved'))

    def test_close_during_funding(self):
        "Test an agreement is not closed while it funds a new agreement"
        ids = self.commit(setup_signed_agreement, 'finance-close')
        parent = ids['agreement']
        extras = self.all_lock_extras(close, parent)
        # Closing writes the state of the agreement, whose checks lock it
        # and its grant.
        self.assertEqual(extras, {
                '_lock_records': {
                    'shakti_grant_agreement': [parent],
                    'shakti_grant': [ids['grant']],
                    },
                })

        error = self.hold(extras,
            (fund, ids['organisations']['alpha'], 'shakti.grant.agreement',
                parent, Decimal('400000.00'), 'A-ALPHA'),
            (close, parent))

        self.assertIsInstance(
            error, (AgreementError, backend.DatabaseOperationalError))
        if isinstance(error, AgreementError):
            self.assertEqual(error.message,
                'Agreement "A-1 (Test Partner)" cannot be closed while '
                'agreement "A-ALPHA (Test Alpha)" that it funds is open.')
        self.assertEqual(self.read(agreement_state, parent), 'active')
        self.assertEqual(
            self.read(allocated, 'shakti.grant.agreement', parent),
            (Decimal('400000.00'), ['A-ALPHA']))

    def test_delete_during_report(self):
        "Test a disbursement is not deleted while a report counts on it"
        ids = self.commit(setup_report, 'finance-delete')
        tranche = ids['tranche']
        extras = self.all_lock_extras(
            delete_disbursement, ids['disbursement'])
        self.assertEqual(extras, {
                '_lock_records': {
                    'shakti_grant_agreement': [ids['agreement']],
                    },
                })

        error = self.hold(extras,
            (submit_report, ids['report']),
            (delete_disbursement, ids['disbursement']))

        self.assertIsInstance(
            error, (DisbursementError, backend.DatabaseOperationalError))
        if isinstance(error, DisbursementError):
            today = self.read(today_)
            self.assertEqual(error.message,
                'Disbursement "A-1 Tranche 1 @ %s" cannot be deleted: the '
                'utilisation reports submitted and accepted under "A-1 '
                '(Test Partner)" account for ₹150,000.00, more than the '
                '₹0.00 that would remain disbursed under it.' % today)
        self.assertEqual(self.read(disbursed, tranche),
            (Decimal('200000.00'), 'approved'))
