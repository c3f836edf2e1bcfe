# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import unittest
from decimal import Decimal

from trytond.model.modelview import AccessButtonError
from trytond.modules.shakti_case.tests.test_module import create_survivor
from trytond.modules.shakti_partner_grants.agreement import age_unaccounted
from trytond.modules.shakti_partner_grants.exceptions import (
    AgreementError, DisbursementError, FunderError, GrantError, MilestoneError,
    TrancheError, UtilisationError)
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from .tools import (
    as_user, create_agreement, create_grant, create_hierarchy, create_user)


class AgingTestCase(unittest.TestCase):
    "Test the aging of unaccounted money"

    def test_oldest_accounted_first(self):
        "Test utilisation accounts for the oldest disbursements first"
        bands = age_unaccounted([
                (dt.date(2025, 1, 10), Decimal('100.00')),
                (dt.date(2025, 6, 10), Decimal('200.00')),
                (dt.date(2025, 9, 1), Decimal('300.00')),
                (dt.date(2025, 11, 20), Decimal('50.00')),
                ], Decimal('150.00'), dt.date(2025, 12, 10))
        self.assertEqual(bands, {
                'unaccounted_0_3': Decimal('50.00'),
                'unaccounted_3_6': Decimal('300.00'),
                'unaccounted_6_9': Decimal('150.00'),
                'unaccounted_9': Decimal('0'),
                })

    def test_band_limits(self):
        "Test a disbursement of exactly 3, 6 and 9 months ago"
        date = dt.date(2025, 12, 10)
        bands = age_unaccounted([
                (dt.date(2025, 9, 11), Decimal('1.00')),
                (dt.date(2025, 9, 10), Decimal('2.00')),
                (dt.date(2025, 6, 10), Decimal('4.00')),
                (dt.date(2025, 3, 10), Decimal('8.00')),
                ], Decimal(0), date)
        self.assertEqual(bands, {
                'unaccounted_0_3': Decimal('1.00'),
                'unaccounted_3_6': Decimal('2.00'),
                'unaccounted_6_9': Decimal('4.00'),
                'unaccounted_9': Decimal('8.00'),
                })


class GrantTestCase(unittest.TestCase):
    "Test grants, agreements, tranches and disbursements"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('shakti_partner_grants')

    def setup_users(self, organisations):
        return {
            'finance': create_user(
                'finance', organisations['lead'], 'group_finance_officer'),
            'approver': create_user(
                'approver', organisations['lead'], 'group_finance_officer',
                'group_finance_approver'),
            'partner': create_user(
                'partner', organisations['partner'], 'group_finance_officer',
                'group_finance_approver'),
            }

    def signed_agreement(self):
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')
        organisations = create_hierarchy()
        users = self.setup_users(organisations)
        grant = create_grant(organisations['lead'])
        agreement = create_agreement(organisations['partner'], grant)
        with as_user(users['finance']):
            Agreement.activate([Agreement(agreement.id)])
        return organisations, users, grant, Agreement(agreement.id)

    @with_transaction()
    def test_sources_hold_their_agreements(self):
        "Test the agreements under an agreement stay within it"
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')

        organisations = create_hierarchy()
        grant = create_grant(organisations['lead'])
        first = create_agreement(organisations['partner'], grant)
        self.assertEqual(grant.allocated_amount, Decimal('600000.00'))
        self.assertEqual(grant.unallocated_amount, Decimal('400000.00'))

        finance = create_user(
            'finance', organisations['lead'], 'group_finance_officer')
        with as_user(finance):
            Agreement.activate([Agreement(first.id)])
        sub = create_agreement(organisations['alpha'], first,
            amount=Decimal('600000.00'), reference='A-ALPHA')
        self.assertEqual(sub.funder, organisations['partner'])
        self.assertEqual(
            [a.agreement for a in Agreement(first.id).sub_allocations],
            [sub])
        with self.assertRaises(GrantError) as cm:
            create_agreement(organisations['beta'], first,
                amount=Decimal('1.00'), reference='A-BETA')
        self.assertEqual(cm.exception.message,
            'The agreements funded by "A-1 (Test Partner)" add up to '
            '₹600,001.00, more than its amount ₹600,000.00.')

    @with_transaction()
    def test_grant_holds_its_agreements(self):
        "Test the agreements under a grant stay within its amount"
        organisations = create_hierarchy()
        grant = create_grant(organisations['lead'])
        create_agreement(organisations['partner'], grant)
        with self.assertRaises(GrantError) as cm:
            create_agreement(organisations['partner'], grant,
                amount=Decimal('400000.01'), reference='A-2')
        self.assertEqual(cm.exception.message,
            'The agreements funded by "G-1 - Community rehabilitation" '
            'add up to ₹1,000,000.01, more than its amount '
            '₹1,000,000.00.')

    @with_transaction()
    def test_agreement_directly_below(self):
        "Test a grant funds only the organisations directly under it"
        organisations = create_hierarchy()
        grant = create_grant(organisations['lead'])
        with self.assertRaises(GrantError) as cm:
            create_agreement(organisations['beta'], grant,
                amount=Decimal('1.00'), reference='A-DIRECT')
        self.assertEqual(cm.exception.message,
            'Agreement "A-DIRECT (Test Beta)" goes to "Test Beta", which '
            'is not an organisation directly under "Test Lead".')

    @with_transaction()
    def test_signing_needs_budget_and_commitments(self):
        "Test an agreement is signed with its budget and both commitments"
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')
        Commitment = pool.get('shakti.grant.agreement.commitment')

        organisations = create_hierarchy()
        grant = create_grant(organisations['lead'])
        agreement = create_agreement(organisations['partner'], grant)
        funder_side = [c for c in agreement.commitments
            if c.owner == 'funder']
        Commitment.delete(funder_side)
        finance = create_user(
            'finance', organisations['lead'], 'group_finance_officer')
        with as_user(finance), self.assertRaises(AgreementError) as cm:
            Agreement.activate([Agreement(agreement.id)])
        self.assertEqual(cm.exception.message,
            'Agreement "A-1 (Test Partner)" needs commitments of both the '
            'funder and the recipient before signing.')
        self.assertEqual(agreement.state, 'draft')

    @with_transaction()
    def test_maker_checker(self):
        "Test a tranche is requested by one user and approved by another"
        pool = Pool()
        Tranche = pool.get('shakti.grant.tranche')
        Milestone = pool.get('shakti.grant.milestone')
        Disbursement = pool.get('shakti.grant.disbursement')
        Date = pool.get('ir.date')

        organisations, users, grant, agreement = self.signed_agreement()
        first, second = agreement.tranches
        milestone, = second.milestones

        # The second tranche waits for its milestone.
        with as_user(users['finance']):
            with self.assertRaises(TrancheError) as cm:
                Tranche.request([Tranche(second.id)])
            self.assertEqual(cm.exception.message,
                'Tranche "A-1 Tranche 2" cannot be released: milestone '
                '"20 intakes completed" is Pending, not verified.')
        self.assertEqual(Tranche(second.id).holding, 'milestone')

        # The approver cannot act before the request: the button is not
        # offered, and a direct call is refused.
        with as_user(users['approver']):
            with self.assertRaises(AccessButtonError) as cm:
                Tranche.approve([Tranche(first.id)])
            self.assertEqual(cm.exception.message,
                'You can not call "approve" on "A-1 Tranche 1" of '
                '"Tranche".')
        with self.assertRaises(TrancheError) as cm:
            Tranche.approve([Tranche(first.id)])
        self.assertEqual(cm.exception.message,
            'Tranche "A-1 Tranche 1" cannot be approved: it is '
            'Planned, and only a requested release can be approved.')
        with as_user(users['finance']):
            Tranche.request([Tranche(first.id)])
            self.assertEqual(Tranche(first.id).holding, 'approval')
        with as_user(users['finance']):
            # The finance officer has not the approver's role.
            with self.assertRaises(AccessButtonError) as cm:
                Tranche.approve([Tranche(first.id)])
            self.assertEqual(cm.exception.message,
                'Calling button "approve on "Tranche" is not allowed.')
        with as_user(users['approver']):
            Tranche.approve([Tranche(first.id)])
        first = Tranche(first.id)
        self.assertEqual(first.state, 'approved')
        self.assertEqual(first.requested_by, users['finance'])
        self.assertEqual(first.approved_by, users['approver'])
        self.assertEqual(first.approval_date, Date.today())

        # The partner submits, the lead verifies, then the approver's own
        # request cannot be approved by her.
        with as_user(users['partner']):
            Milestone.write([Milestone(milestone.id)], {
                    'evidence': "Intake register of 20 survivors",
                    })
            Milestone.submit([Milestone(milestone.id)])
            with self.assertRaises(FunderError) as cm:
                Milestone.verify([Milestone(milestone.id)])
            self.assertEqual(cm.exception.message,
                'Only the organisations above "Test Partner" may verify '
                '"A-1 Tranche 2: 20 intakes completed"; you work for '
                '"Test Partner".')
        self.assertEqual(Tranche(second.id).holding, 'verification')
        with as_user(users['finance']):
            Milestone.verify([Milestone(milestone.id)])
        with as_user(users['approver']):
            Tranche.request([Tranche(second.id)])
            with self.assertRaises(TrancheError) as cm:
                Tranche.approve([Tranche(second.id)])
            self.assertEqual(cm.exception.message,
                'Tranche "A-1 Tranche 2" was requested by Approver, who '
                'cannot also approve it.')
        self.assertEqual(Tranche(second.id).state, 'requested')

        # Disbursements stay within the tranche.
        with as_user(users['finance']):
            Disbursement.create([{
                        'tranche': first.id,
                        'date': Date.today(),
                        'amount': Decimal('200000.00'),
                        'reference': "UTR-1",
                        }])
            with self.assertRaises(DisbursementError) as cm:
                Disbursement.create([{
                            'tranche': first.id,
                            'date': Date.today(),
                            'amount': Decimal('100000.01'),
                            'reference': "UTR-2",
                            }])
            self.assertEqual(cm.exception.message,
                'The disbursements of tranche "A-1 Tranche 1" would add '
                'up to ₹300,000.01, more than its amount ₹300,000.00.')
        self.assertEqual(Tranche(first.id).disbursed_amount,
            Decimal('200000.00'))
        with as_user(users['finance']):
            Disbursement.create([{
                        'tranche': first.id,
                        'date': Date.today(),
                        'amount': Decimal('100000.00'),
                        'reference': "UTR-3",
                        }])
        first = Tranche(first.id)
        self.assertEqual(first.state, 'disbursed')
        self.assertEqual(first.actual_date, Date.today())
        self.assertEqual(first.days_late,
            (Date.today() - dt.date(2025, 4, 15)).days)
        self.assertIsNone(first.holding)

    @with_transaction()
    def test_partner_cannot_change_own_agreement(self):
        "Test the recipient reads its agreement but cannot change it"
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')
        Tranche = pool.get('shakti.grant.tranche')

        organisations, users, grant, agreement = self.signed_agreement()
        with as_user(users['partner']):
            agreement = Agreement(agreement.id)
            self.assertEqual(agreement.amount, Decimal('600000.00'))
            with self.assertRaises(FunderError) as cm:
                Tranche.write([agreement.tranches[0]], {
                        'planned_date': dt.date(2025, 4, 20)})
            self.assertEqual(cm.exception.message,
                'Only the organisations above "Test Partner" may change '
                '"A-1 Tranche 1"; you work for "Test Partner".')
            with self.assertRaises(FunderError):
                Tranche.request(agreement.tranches[:1])

    @with_transaction()
    def test_partner_funds_its_cbos(self):
        "Test a partner funds a CBO from its own agreement"
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')
        Allocation = pool.get('shakti.grant.allocation')

        organisations, users, grant, agreement = self.signed_agreement()
        with as_user(users['partner']):
            sub, = Agreement.create([{
                        'company': organisations['alpha'].id,
                        'reference': 'A-ALPHA',
                        'title': "Case work in the block",
                        'start_date': agreement.start_date,
                        'end_date': agreement.end_date,
                        'amount': Decimal('250000.00'),
                        }])
            Agreement.write([Agreement(agreement.id)], {
                    'sub_allocations': [('create', [{
                                    'agreement': sub.id,
                                    }])],
                    })
            allocation, = Allocation.search([])
            self.assertEqual(allocation.company, organisations['partner'])
            self.assertEqual(allocation.parent, agreement)
            self.assertEqual(allocation.amount, Decimal('250000.00'))
            with self.assertRaises(FunderError) as cm:
                Agreement.write([Agreement(agreement.id)], {
                        'tranches': [('create', [{
                                        'name': "Extra",
                                        'planned_date': agreement.end_date,
                                        'amount': Decimal('1.00'),
                                        }])],
                        })
            self.assertEqual(cm.exception.message,
                'Only the organisations above "Test Partner" may change '
                '"A-1 (Test Partner)"; you work for "Test Partner".')

    @with_transaction()
    def test_recipient_not_below_rejected(self):
        "Test an agreement for an organisation not below the user"
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')

        organisations, users, grant, agreement = self.signed_agreement()
        values = {
            'reference': 'A-UP',
            'title': "Case work in the block",
            'start_date': agreement.start_date,
            'end_date': agreement.end_date,
            'amount': Decimal('1000.00'),
            'budget_lines': [('create', [{
                            'name': "Staff",
                            'amount': Decimal('1000.00'),
                            }])],
            }
        with as_user(users['partner']):
            with self.assertRaises(FunderError) as cm:
                Agreement.create([dict(values,
                            company=organisations['lead'].id)])
            self.assertEqual(cm.exception.message,
                'Only the organisations above "Test Lead" may create '
                '"A-UP (Test Lead)"; you work for "Test Partner".')
            # The recipient is not the user's own organisation by default.
            with self.assertRaises(AgreementError) as cm:
                Agreement.create([values])
            self.assertEqual(cm.exception.message,
                'Choose the recipient of agreement "A-UP", an organisation '
                'directly under yours.')
        self.assertEqual(
            Agreement.search([('reference', '=', 'A-UP')]), [])

    @with_transaction()
    def test_utilisation_and_close(self):
        "Test an agreement closes once its disbursements are accounted for"
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')
        Tranche = pool.get('shakti.grant.tranche')
        Disbursement = pool.get('shakti.grant.disbursement')
        Utilisation = pool.get('shakti.grant.utilisation')
        UtilisationLine = pool.get('shakti.grant.utilisation.line')
        Date = pool.get('ir.date')

        organisations, users, grant, agreement = self.signed_agreement()
        first = agreement.tranches[0]
        with as_user(users['finance']):
            Tranche.request([Tranche(first.id)])
        with as_user(users['approver']):
            Tranche.approve([Tranche(first.id)])
        with as_user(users['finance']):
            Disbursement.create([{
                        'tranche': first.id,
                        'date': Date.today(),
                        'amount': Decimal('300000.00'),
                        'reference': "UTR-1",
                        }])
        staff, activities = agreement.budget_lines
        report_date = Date.today()
        with as_user(users['partner']):
            report, = Utilisation.create([{
                        'agreement': agreement.id,
                        'date': report_date,
                        'start_date': dt.date(2025, 4, 1),
                        'end_date': min(report_date, dt.date(2026, 3, 31)),
                        'lines': [('create', [{
                                        'budget_line': staff.id,
                                        'amount': Decimal('240000.01'),
                                        }])],
                        }])
            with self.assertRaises(UtilisationError) as cm:
                Utilisation.submit([report])
            self.assertEqual(cm.exception.message,
                'Utilisation report "%s" would bring budget line "Staff" '
                'to ₹240,000.01, more than its ₹240,000.00.'
                % report.rec_name)
        self.assertEqual(Utilisation(report.id).state, 'draft')
        with as_user(users['partner']):
            report.lines[0].amount = Decimal('200000.00')
            report.lines[0].save()
            Utilisation.submit([report])
            with self.assertRaises(FunderError):
                Utilisation.accept([report])
        with as_user(users['finance']):
            Utilisation.accept([Utilisation(report.id)])
            self.assertEqual(UtilisationLine.search([
                        ('agreement', '=', agreement.id),
                        ]), list(Utilisation(report.id).lines))
            self.assertEqual(UtilisationLine.search([
                        ('agreement.reference', '=', 'A-1'),
                        ]), list(Utilisation(report.id).lines))
            self.assertEqual(UtilisationLine.search([
                        ('agreement', '!=', agreement.id),
                        ]), [])
            agreement = Agreement(agreement.id)
            self.assertEqual(agreement.utilised_amount,
                Decimal('200000.00'))
            self.assertEqual(agreement.unaccounted_amount,
                Decimal('100000.00'))
            self.assertEqual(agreement.unaccounted_0_3,
                Decimal('100000.00'))
            # The day before, nothing was disbursed nor accounted for.
            yesterday = Date.today() - dt.timedelta(days=1)
            with Transaction().set_context(date=yesterday):
                past = Agreement(agreement.id)
                self.assertEqual(past.disbursed_amount, Decimal('0.00'))
                self.assertEqual(past.utilised_amount, Decimal('0.00'))
                self.assertEqual(past.unaccounted_0_3, Decimal('0.00'))
            with self.assertRaises(AgreementError) as cm:
                Agreement.close([agreement])
            self.assertEqual(cm.exception.message,
                'Agreement "A-1 (Test Partner)" cannot be closed: '
                '₹100,000.00 disbursed under it is not accounted for by an '
                'accepted utilisation report.')
        self.assertEqual(Agreement(agreement.id).state, 'active')

    @with_transaction()
    def test_amounts_on_past_date(self):
        "Test a tranche and a budget line read on a date before the payment"
        pool = Pool()
        Tranche = pool.get('shakti.grant.tranche')
        Disbursement = pool.get('shakti.grant.disbursement')
        Utilisation = pool.get('shakti.grant.utilisation')
        BudgetLine = pool.get('shakti.grant.agreement.budget_line')
        Date = pool.get('ir.date')

        organisations, users, grant, agreement = self.signed_agreement()
        first = agreement.tranches[0]
        today = Date.today()
        yesterday = today - dt.timedelta(days=1)
        with as_user(users['finance']):
            Tranche.request([Tranche(first.id)])
        with as_user(users['approver']):
            Tranche.approve([Tranche(first.id)])
        with as_user(users['finance']):
            Disbursement.create([{
                        'tranche': first.id,
                        'date': today,
                        'amount': Decimal('300000.00'),
                        'reference': "UTR-1",
                        }])
        staff = agreement.budget_lines[0]
        with as_user(users['partner']):
            report, = Utilisation.create([{
                        'agreement': agreement.id,
                        'date': today,
                        'start_date': dt.date(2025, 4, 1),
                        'end_date': dt.date(2025, 9, 30),
                        'lines': [('create', [{
                                        'budget_line': staff.id,
                                        'amount': Decimal('100000.00'),
                                        }])],
                        }])
            Utilisation.submit([report])
        with as_user(users['finance']):
            Utilisation.accept([Utilisation(report.id)])

            tranche = Tranche(first.id)
            self.assertEqual(tranche.state, 'disbursed')
            self.assertEqual(tranche.disbursed_amount, Decimal('300000.00'))
            self.assertEqual(tranche.actual_date, today)
            self.assertEqual(tranche.days_late,
                (today - dt.date(2025, 4, 15)).days)
            self.assertEqual(BudgetLine(staff.id).utilised_amount,
                Decimal('100000.00'))
            # The day before, the tranche was not paid yet and no report
            # was accepted.
            with Transaction().set_context(date=yesterday):
                tranche = Tranche(first.id)
                self.assertEqual(tranche.disbursed_amount, Decimal('0.00'))
                self.assertEqual(tranche.actual_date, None)
                self.assertEqual(tranche.days_late,
                    (yesterday - dt.date(2025, 4, 15)).days)
                self.assertEqual(BudgetLine(staff.id).utilised_amount,
                    Decimal('0.00'))


class MeasureTestCase(unittest.TestCase):
    "Test milestones that count the recipient's case records"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module(['shakti_partner_grants', 'shakti_case'])

    @with_transaction()
    def test_intakes_counted(self):
        "Test a milestone counts the intakes of the CBOs under a partner"
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')
        Milestone = pool.get('shakti.grant.milestone')
        Tranche = pool.get('shakti.grant.tranche')
        Intake = pool.get('shakti.intake')
        Place = pool.get('shakti.place')

        organisations = create_hierarchy()
        finance = create_user(
            'finance', organisations['lead'], 'group_finance_officer')
        grant = create_grant(organisations['lead'])
        agreement = create_agreement(organisations['partner'], grant)
        with as_user(finance):
            Agreement.activate([Agreement(agreement.id)])
        milestone, = agreement.tranches[1].milestones
        Milestone.write([milestone], {
                'measure': 'shakti.intake',
                'target': 3,
                'evidence': "Intake registers of the CBOs",
                })
        block, = Place.search([('code', '=', 'WB-N24P-BASIRHAT-I')])
        dates = {
            'alpha': [dt.date(2025, 5, 1), dt.date(2025, 10, 15)],
            # Before the agreement, and after the due date.
            'beta': [dt.date(2025, 3, 31), dt.date(2025, 10, 16)],
            }
        for name, days in dates.items():
            survivor = create_survivor(
                organisations[name], block, "Survivor of %s" % name)
            Intake.create([{
                        'survivor': survivor.id,
                        'date': day,
                        'filled_by': 'social_worker',
                        } for day in days])
        self.assertEqual(Milestone(milestone.id).achieved, 2)
        Milestone.submit([milestone])
        with as_user(finance), self.assertRaises(MilestoneError) as cm:
            Milestone.verify([Milestone(milestone.id)])
        self.assertEqual(cm.exception.message,
            'Milestone "A-1 Tranche 2: 20 intakes completed" needs 3 '
            '"Intakes completed" and counts 2.')
        # Below its target, the milestone waits on the recipient.
        self.assertEqual(Tranche(milestone.tranche.id).holding, 'milestone')

        survivor = create_survivor(
            organisations['alpha'], block, "Third survivor of alpha")
        Intake.create([{
                    'survivor': survivor.id,
                    'date': dt.date(2025, 6, 1),
                    'filled_by': 'social_worker',
                    }])
        self.assertEqual(Milestone(milestone.id).achieved, 3)
        self.assertEqual(
            Tranche(milestone.tranche.id).holding, 'verification')


class RecordsTestCase(unittest.TestCase):
    """Test the disbursements, reports, dates and copies stay consistent
    with each other"""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('shakti_partner_grants')

    setup_users = GrantTestCase.setup_users
    signed_agreement = GrantTestCase.signed_agreement

    def release_first(self, users, agreement, amounts):
        """Request, approve and disburse the amounts on the first tranche
        of agreement; return the disbursements"""
        pool = Pool()
        Tranche = pool.get('shakti.grant.tranche')
        Disbursement = pool.get('shakti.grant.disbursement')
        Date = pool.get('ir.date')

        first = agreement.tranches[0]
        with as_user(users['finance']):
            Tranche.request([Tranche(first.id)])
        with as_user(users['approver']):
            Tranche.approve([Tranche(first.id)])
        with as_user(users['finance']):
            return Disbursement.create([{
                        'tranche': first.id,
                        'date': Date.today(),
                        'amount': amount,
                        'reference': "UTR-%s" % i,
                        } for i, amount in enumerate(amounts, 1)])

    def report(self, agreement, amount, **values):
        "Create a draft report of amount on the staff line of agreement"
        pool = Pool()
        Utilisation = pool.get('shakti.grant.utilisation')
        Date = pool.get('ir.date')

        today = Date.today()
        staff = agreement.budget_lines[0]
        report, = Utilisation.create([dict({
                        'agreement': agreement.id,
                        'date': today,
                        'start_date': dt.date(2025, 4, 1),
                        'end_date': min(today, dt.date(2026, 3, 31)),
                        'lines': [('create', [{
                                        'budget_line': staff.id,
                                        'amount': amount,
                                        }])],
                        }, **values)])
        return report

    @with_transaction()
    def test_closed_agreement_frees_its_rest(self):
        "Test a closed agreement keeps only what it disbursed of its source"
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')
        Utilisation = pool.get('shakti.grant.utilisation')

        organisations, users, grant, agreement = self.signed_agreement()
        self.release_first(users, agreement, [Decimal('300000.00')])
        with as_user(users['partner']):
            report = self.report(agreement, Decimal('240000.00'))
            second = self.report(agreement, Decimal('60000.00'))
            second.lines[0].budget_line = agreement.budget_lines[1]
            second.lines[0].save()
            Utilisation.submit([report, second])
        with as_user(users['finance']):
            Utilisation.accept([report, second])
            Agreement.close([Agreement(agreement.id)])
        self.assertEqual(Agreement(agreement.id).state, 'closed')
        self.assertEqual(grant.allocated_amount, Decimal('300000.00'))
        # The 300,000.00 the closed agreement did not pay is free again.
        create_agreement(organisations['partner'], grant,
            amount=Decimal('700000.00'), reference='A-2')
        with self.assertRaises(GrantError) as cm:
            create_agreement(organisations['partner'], grant,
                amount=Decimal('1.00'), reference='A-3')
        self.assertEqual(cm.exception.message,
            'The agreements funded by "G-1 - Community rehabilitation" '
            'add up to ₹1,000,001.00, more than its amount '
            '₹1,000,000.00.')

    @with_transaction()
    def test_disbursement_delete_keeps_reports_within(self):
        "Test a disbursement that a report accounts for is not deleted"
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')
        Tranche = pool.get('shakti.grant.tranche')
        Disbursement = pool.get('shakti.grant.disbursement')
        Utilisation = pool.get('shakti.grant.utilisation')
        Date = pool.get('ir.date')

        organisations, users, grant, agreement = self.signed_agreement()
        first_payment, second_payment = self.release_first(
            users, agreement, [Decimal('100000.00'), Decimal('100000.00')])
        with as_user(users['partner']):
            accepted = self.report(agreement, Decimal('120000.00'))
            Utilisation.submit([accepted])
        with as_user(users['finance']):
            Utilisation.accept([Utilisation(accepted.id)])
        with as_user(users['partner']):
            submitted = self.report(agreement, Decimal('30000.00'))
            Utilisation.submit([submitted])

        with as_user(users['finance']):
            with self.assertRaises(DisbursementError) as cm:
                Disbursement.delete([Disbursement(second_payment.id)])
            self.assertEqual(cm.exception.message,
                'Disbursement "A-1 Tranche 1 @ %s" cannot be deleted: the '
                'utilisation reports submitted and accepted under "A-1 '
                '(Test Partner)" account for ₹150,000.00, more than the '
                '₹100,000.00 that would remain disbursed under it.'
                % Date.today())

            # Once another 50,000.00 is paid, the second payment may go.
            Disbursement.create([{
                        'tranche': agreement.tranches[0].id,
                        'date': Date.today(),
                        'amount': Decimal('50000.00'),
                        'reference': "UTR-3",
                        }])
            Disbursement.delete([Disbursement(second_payment.id)])
            agreement = Agreement(agreement.id)
            self.assertEqual(agreement.disbursed_amount,
                Decimal('150000.00'))
            self.assertEqual(agreement.utilised_amount,
                Decimal('120000.00'))
            self.assertEqual(agreement.unaccounted_amount,
                Decimal('30000.00'))
            self.assertEqual(Tranche(agreement.tranches[0].id).state,
                'approved')

    @with_transaction()
    def test_utilisation_not_in_future(self):
        "Test a utilisation report is not dated after today"
        pool = Pool()
        Utilisation = pool.get('shakti.grant.utilisation')
        Date = pool.get('ir.date')

        organisations, users, grant, agreement = self.signed_agreement()
        tomorrow = Date.today() + dt.timedelta(days=1)
        with as_user(users['partner']):
            with self.assertRaises(UtilisationError) as cm:
                self.report(agreement, Decimal('1000.00'), date=tomorrow)
            self.assertEqual(cm.exception.message,
                'Utilisation report "A-1 2025-04-01 - %s" cannot be dated '
                '%s, in the future.'
                % (min(Date.today(), dt.date(2026, 3, 31)), tomorrow))
            report = self.report(agreement, Decimal('1000.00'))
        self.assertEqual(Utilisation(report.id).date, Date.today())

    @with_transaction()
    def test_agreement_period_keeps_tranches(self):
        "Test the period of an agreement keeps the dates of its tranches"
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')
        BudgetLine = pool.get('shakti.grant.agreement.budget_line')
        Milestone = pool.get('shakti.grant.milestone')

        organisations = create_hierarchy()
        users = self.setup_users(organisations)
        grant = create_grant(organisations['lead'])
        agreement = create_agreement(organisations['partner'], grant)
        with as_user(users['finance']):
            with self.assertRaises(TrancheError) as cm:
                Agreement.write([Agreement(agreement.id)], {
                        'end_date': dt.date(2025, 9, 30),
                        })
            self.assertEqual(cm.exception.message,
                'The planned date 2025-10-15 of tranche "A-1 Tranche 2" is '
                'outside the period of agreement "A-1 (Test Partner)", '
                '2025-04-01 to 2025-09-30.')
            Agreement.write([Agreement(agreement.id)], {
                    'end_date': dt.date(2025, 12, 31),
                    })
        self.assertEqual(Agreement(agreement.id).end_date,
            dt.date(2025, 12, 31))

        milestone, = Agreement(agreement.id).tranches[1].milestones
        with as_user(users['finance']):
            with self.assertRaises(MilestoneError) as cm:
                Milestone.write([Milestone(milestone.id)], {
                        'due_date': dt.date(2026, 1, 1),
                        })
            self.assertEqual(cm.exception.message,
                'The due date 2026-01-01 of milestone "A-1 Tranche 2: 20 '
                'intakes completed" is outside the period of agreement '
                '"A-1 (Test Partner)", 2025-04-01 to 2025-12-31.')

        # The message names the agreement that the recipient may not change.
        with as_user(users['partner']):
            with self.assertRaises(FunderError) as cm:
                BudgetLine.write(
                    list(Agreement(agreement.id).budget_lines[:1]),
                    {'name': "Salaries"})
            self.assertEqual(cm.exception.message,
                'Only the organisations above "Test Partner" may change '
                '"A-1 (Test Partner)"; you work for "Test Partner".')

    @with_transaction()
    def test_copy_starts_unreleased(self):
        """Test a copy starts without the requests, approvals,
        verifications and reviews of the original"""
        pool = Pool()
        Grant = pool.get('shakti.grant')
        Agreement = pool.get('shakti.grant.agreement')
        Milestone = pool.get('shakti.grant.milestone')
        Utilisation = pool.get('shakti.grant.utilisation')

        organisations, users, grant, agreement = self.signed_agreement()
        milestone, = agreement.tranches[1].milestones
        with as_user(users['partner']):
            Milestone.write([Milestone(milestone.id)], {
                    'evidence': "Intake register, 20 pages",
                    })
            Milestone.submit([Milestone(milestone.id)])
        with as_user(users['finance']):
            Milestone.verify([Milestone(milestone.id)])
        self.release_first(users, agreement, [Decimal('100000.00')])
        with as_user(users['partner']):
            report = self.report(agreement, Decimal('100000.00'))
            Utilisation.submit([report])
        with as_user(users['finance']):
            Utilisation.accept([Utilisation(report.id)])

        with as_user(users['finance']):
            copy, = Agreement.copy([Agreement(agreement.id)], {
                    'reference': 'A-2',
                    })
        self.assertEqual(copy.state, 'draft')
        self.assertEqual(copy.sub_allocations, ())
        self.assertEqual(
            [t.name for t in copy.tranches], ["Tranche 1", "Tranche 2"])
        for tranche in copy.tranches:
            self.assertEqual(tranche.state, 'planned')
            self.assertIsNone(tranche.requested_by)
            self.assertIsNone(tranche.approved_by)
            self.assertEqual(tranche.disbursements, ())
        copied, = copy.tranches[1].milestones
        self.assertEqual(copied.state, 'pending')
        self.assertIsNone(copied.submitted_by)
        self.assertIsNone(copied.verified_by)

        with as_user(users['partner']):
            copy, = Utilisation.copy([Utilisation(report.id)])
        self.assertEqual(copy.state, 'draft')
        self.assertEqual(copy.amount, Decimal('100000.00'))
        self.assertIsNone(copy.submitted_by)
        self.assertIsNone(copy.reviewed_by)
        self.assertIsNone(copy.review_date)

        # Without a reference given, the copy's reference ends with (copy).
        with as_user(users['finance']):
            copy, = Agreement.copy([Agreement(agreement.id)])
            self.assertEqual(copy.reference, 'A-1 (copy)')
            grant_copy, = Grant.copy([Grant(grant.id)])
            self.assertEqual(grant_copy.reference, 'G-1 (copy)')
            self.assertEqual(grant_copy.state, 'draft')
            self.assertEqual(grant_copy.allocations, ())
