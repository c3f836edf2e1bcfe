# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import unittest
from decimal import Decimal

from trytond.model.exceptions import AccessError
from trytond.modules.shakti_partner_grants.exceptions import (
    FunderError, MilestoneError, UtilisationError)
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction

from .tools import (
    END, START, as_user, create_agreement, create_grant, create_hierarchy,
    create_user)


def create_unfunded(recipient, reference, amount):
    "Create a draft agreement with recipient that nothing funds yet"
    pool = Pool()
    Agreement = pool.get('shakti.grant.agreement')

    agreement, = Agreement.create([{
                'company': recipient.id,
                'reference': reference,
                'title': "Outreach in the villages",
                'start_date': START,
                'end_date': END,
                'amount': amount,
                }])
    return agreement


class ReleaseTestCase(unittest.TestCase):
    "Test what the recipient of an agreement changes on it"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('shakti_partner_grants')

    @with_transaction()
    def test_recipient_funds_agreements_under_it(self):
        "Test the recipient funds the agreements under it from its own"
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')

        organisations = create_hierarchy()
        grant = create_grant(organisations['lead'])
        parent = create_agreement(organisations['partner'], grant)
        finance = create_user(
            'finance', organisations['lead'], 'group_finance_officer')
        with as_user(finance):
            Agreement.activate([Agreement(parent.id)])
        alpha = create_unfunded(
            organisations['alpha'], 'A-ALPHA', Decimal('250000.00'))
        beta = create_unfunded(
            organisations['beta'], 'A-BETA', Decimal('100000.00'))
        finance_p = create_user(
            'finance_p', organisations['partner'], 'group_finance_officer')

        with as_user(finance_p):
            Agreement.write([Agreement(parent.id)], {
                    'sub_allocations': [('create', [{
                                    'agreement': alpha.id,
                                    }])],
                    })
            # A write that funds an agreement and changes a tranche is
            # rejected as a whole.
            with self.assertRaises(FunderError) as cm:
                Agreement.write([Agreement(parent.id)], {
                        'tranches': [('write', [parent.tranches[0].id], {
                                    'name': "Changed by the recipient",
                                    })],
                        'sub_allocations': [('create', [{
                                        'agreement': beta.id,
                                        }])],
                        })
            self.assertEqual(cm.exception.message,
                'Only the organisations above "Test Partner" may change '
                '"A-1 (Test Partner)"; you work for "Test Partner".')

        parent = Agreement(parent.id)
        self.assertEqual(parent.tranches[0].name, "Tranche 1")
        self.assertEqual(
            [a.agreement for a in parent.sub_allocations], [alpha])
        self.assertEqual(Agreement(alpha.id).funder, organisations['partner'])

    @with_transaction()
    def test_recipient_funds_only_from_signed_agreement(self):
        "Test the recipient funds nothing from an agreement not signed"
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')

        organisations = create_hierarchy()
        grant = create_grant(organisations['lead'])
        parent = create_agreement(organisations['partner'], grant)
        alpha = create_unfunded(
            organisations['alpha'], 'A-ALPHA', Decimal('250000.00'))
        finance_p = create_user(
            'finance_p', organisations['partner'], 'group_finance_officer')

        with as_user(finance_p), self.assertRaises(AccessError) as cm:
            Agreement.write([Agreement(parent.id)], {
                    'sub_allocations': [('create', [{
                                    'agreement': alpha.id,
                                    }])],
                    })
        self.assertEqual(cm.exception.message,
            'The field "Sub-agreements" of "A-1 (Test Partner)" is read-only '
            'here and cannot be set to "(a list of changes)".')
        self.assertEqual(Agreement(parent.id).sub_allocations, ())

    @with_transaction()
    def test_recipient_writes_evidence_from_tranche(self):
        "Test the recipient writes milestone evidence from the tranche"
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')
        Tranche = pool.get('shakti.grant.tranche')
        Milestone = pool.get('shakti.grant.milestone')

        organisations = create_hierarchy()
        grant = create_grant(organisations['lead'])
        agreement = create_agreement(organisations['partner'], grant)
        finance = create_user(
            'finance', organisations['lead'], 'group_finance_officer')
        with as_user(finance):
            Agreement.activate([Agreement(agreement.id)])
        # A finance officer of the recipient may open the tranche's form;
        # the other roles write the evidence from the list of milestones.
        finance_p = create_user(
            'finance_p', organisations['partner'], 'group_finance_officer')
        tranche = Agreement(agreement.id).tranches[1]
        milestone, = tranche.milestones

        with as_user(finance_p):
            Tranche.write([Tranche(tranche.id)], {
                    'milestones': [('write', [milestone.id], {
                                'evidence': "Intake register, 20 pages",
                                })],
                    })
            self.assertEqual(Milestone(milestone.id).evidence,
                "Intake register, 20 pages")
            with self.assertRaises(FunderError) as cm:
                Tranche.write([Tranche(tranche.id)], {
                        'milestones': [('write', [milestone.id], {
                                    'name': "5 intakes completed",
                                    })],
                        })
            self.assertEqual(cm.exception.message,
                'Only the organisations above "Test Partner" may change '
                '"A-1 Tranche 2: 20 intakes completed"; you work for '
                '"Test Partner".')
            with self.assertRaises(FunderError):
                Tranche.write([Tranche(tranche.id)], {
                        'milestones': [('delete', [milestone.id])],
                        })

    @with_transaction()
    def test_review_note_is_funder_only(self):
        "Test only the funder writes the review note of evidence or reports"
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')
        Tranche = pool.get('shakti.grant.tranche')
        Milestone = pool.get('shakti.grant.milestone')
        Disbursement = pool.get('shakti.grant.disbursement')
        Utilisation = pool.get('shakti.grant.utilisation')
        Date = pool.get('ir.date')

        organisations = create_hierarchy()
        grant = create_grant(organisations['lead'])
        agreement = create_agreement(organisations['partner'], grant)
        finance = create_user(
            'finance', organisations['lead'], 'group_finance_officer')
        approver = create_user(
            'approver', organisations['lead'], 'group_finance_approver')
        finance_p = create_user(
            'finance_p', organisations['partner'], 'group_finance_officer')
        agreement = Agreement(agreement.id)
        first, second = agreement.tranches
        milestone, = second.milestones
        with as_user(finance):
            Agreement.activate([agreement])
            Tranche.request([Tranche(first.id)])
        with as_user(approver):
            Tranche.approve([Tranche(first.id)])
        with as_user(finance):
            Disbursement.create([{
                        'tranche': first.id,
                        'date': Date.today(),
                        'amount': Decimal('1000.00'),
                        'reference': "UTR-1",
                        }])

        with as_user(finance_p):
            Milestone.write([Milestone(milestone.id)], {
                    'evidence': "Intake register, 20 pages",
                    })
            Milestone.submit([Milestone(milestone.id)])
            report, = Utilisation.create([{
                        'agreement': agreement.id,
                        'date': Date.today(),
                        'start_date': START,
                        'end_date': min(Date.today(), END),
                        'lines': [('create', [{
                                        'budget_line': (
                                            agreement.budget_lines[0].id),
                                        'amount': Decimal('1000.00'),
                                        }])],
                        }])
            Utilisation.submit([report])
            with self.assertRaises(FunderError) as cm:
                Milestone.write([Milestone(milestone.id)], {
                        'review_note': "Accepted by the funder",
                        })
            self.assertEqual(cm.exception.message,
                'Only the organisations above "Test Partner" may change '
                '"A-1 Tranche 2: 20 intakes completed"; you work for '
                '"Test Partner".')
            with self.assertRaises(FunderError) as cm:
                Utilisation.write([Utilisation(report.id)], {
                        'review_note': "Accepted by the funder",
                        })
            self.assertEqual(cm.exception.message,
                'Only the organisations above "Test Partner" may change '
                '"%s"; you work for "Test Partner".' % report.rec_name)

        with as_user(finance):
            Milestone.write([Milestone(milestone.id)], {
                    'review_note': "Attach the register's last page",
                    })
            Milestone.send_back([Milestone(milestone.id)])
            Utilisation.write([Utilisation(report.id)], {
                    'review_note': "Split the staff costs by month",
                    })
            Utilisation.reject([Utilisation(report.id)])
        milestone = Milestone(milestone.id)
        self.assertEqual(milestone.state, 'pending')
        self.assertEqual(
            milestone.review_note, "Attach the register's last page")
        report = Utilisation(report.id)
        self.assertEqual(report.state, 'rejected')
        self.assertEqual(report.review_note, "Split the staff costs by month")
        self.assertEqual(report.reviewed_by, finance)

        # Back to draft, the report keeps the note of what to correct.
        with as_user(finance_p):
            Utilisation.draft([report])
        report = Utilisation(report.id)
        self.assertEqual(report.state, 'draft')
        self.assertIsNone(report.reviewed_by)
        self.assertIsNone(report.review_date)
        self.assertEqual(report.review_note, "Split the staff costs by month")

    @with_transaction()
    def test_reviewer_is_not_submitter(self):
        "Test the funder's user who submits cannot also verify or accept"
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')
        Tranche = pool.get('shakti.grant.tranche')
        Milestone = pool.get('shakti.grant.milestone')
        Disbursement = pool.get('shakti.grant.disbursement')
        Utilisation = pool.get('shakti.grant.utilisation')
        Date = pool.get('ir.date')

        organisations = create_hierarchy()
        grant = create_grant(organisations['lead'])
        agreement = create_agreement(organisations['partner'], grant)
        finance = create_user(
            'finance', organisations['lead'], 'group_finance_officer')
        approver = create_user(
            'approver', organisations['lead'], 'group_finance_officer',
            'group_finance_approver')
        agreement = Agreement(agreement.id)
        first, second = agreement.tranches
        milestone, = second.milestones
        with as_user(finance):
            Agreement.activate([agreement])
            Tranche.request([Tranche(first.id)])
        with as_user(approver):
            Tranche.approve([Tranche(first.id)])
        with as_user(finance):
            Disbursement.create([{
                        'tranche': first.id,
                        'date': Date.today(),
                        'amount': Decimal('1000.00'),
                        'reference': "UTR-1",
                        }])
            # The funder enters the evidence and the report of a recipient
            # that works on paper.
            Milestone.write([Milestone(milestone.id)], {
                    'evidence': "Intake register received by post",
                    })
            Milestone.submit([Milestone(milestone.id)])
            report, = Utilisation.create([{
                        'agreement': agreement.id,
                        'date': Date.today(),
                        'start_date': START,
                        'end_date': min(Date.today(), END),
                        'lines': [('create', [{
                                        'budget_line': (
                                            agreement.budget_lines[0].id),
                                        'amount': Decimal('1000.00'),
                                        }])],
                        }])
            Utilisation.submit([report])
            with self.assertRaises(MilestoneError) as cm:
                Milestone.verify([Milestone(milestone.id)])
            self.assertEqual(cm.exception.message,
                'Milestone "A-1 Tranche 2: 20 intakes completed" was '
                'submitted by Finance, who cannot also verify it.')
            with self.assertRaises(UtilisationError) as cm:
                Utilisation.accept([Utilisation(report.id)])
            self.assertEqual(cm.exception.message,
                'Utilisation report "%s" was submitted by Finance, who '
                'cannot also accept it.' % report.rec_name)
        with as_user(approver):
            Milestone.verify([Milestone(milestone.id)])
            Utilisation.accept([Utilisation(report.id)])
        report = Utilisation(report.id)
        self.assertEqual(report.reviewed_by, approver)
        self.assertEqual(report.review_date, Date.today())
        self.assertEqual(Milestone(milestone.id).verified_by, approver)

    @with_transaction()
    def test_approver_not_set_on_create(self):
        "Test a new tranche cannot be created with its approver set"
        pool = Pool()
        Tranche = pool.get('shakti.grant.tranche')

        organisations = create_hierarchy()
        grant = create_grant(organisations['lead'])
        agreement = create_agreement(organisations['partner'], grant)
        finance = create_user(
            'finance', organisations['lead'], 'group_finance_officer')
        approver = create_user(
            'approver', organisations['lead'], 'group_finance_officer',
            'group_finance_approver')
        with as_user(finance), self.assertRaises(AccessError) as cm:
            Tranche.create([{
                        'agreement': agreement.id,
                        'name': "Tranche 3",
                        'planned_date': END,
                        'amount': Decimal('1.00'),
                        'approved_by': approver.id,
                        }])
        self.assertEqual(cm.exception.message,
            'The field "Approved By" is read-only: a new "Tranche" cannot '
            'be created with the value "Approver".')
