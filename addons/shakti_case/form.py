# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.pool import Pool
from trytond.report import Report
from trytond.transaction import Transaction

from .import_ import (
    FOLLOW_UP_COLUMNS, INTAKE_COLUMNS, OUTCOMES, PRIORITIES, get_selection)
from .intake import FILLED_BY, NEED_DOMAINS

# The empty visit boxes of a blank follow-up form.
BLANK_VISITS = 3


def organisation():
    pool = Pool()
    Company = pool.get('company.company')

    company_id = Transaction().context.get('company')
    if company_id is not None and company_id >= 0:
        return Company(company_id)


class IntakeForm(Report):
    "The intake form as filled, one page per intake"
    __name__ = 'shakti.intake.form'

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        context['forms'] = (
            [cls.get_form(r) for r in records] or [cls.get_form(None)])
        context['headings'] = {c[0]: c[1] for c in INTAKE_COLUMNS}
        context['filled_by'] = FILLED_BY
        context['domains'] = NEED_DOMAINS
        context['priorities'] = get_selection(PRIORITIES)
        context['organisation'] = organisation()
        return context

    @classmethod
    def get_form(cls, intake):
        "Return the values to print for intake, or the blanks without one"
        if intake is None:
            return {
                'code': '',
                'date': None,
                'filled_by': None,
                'interviewer': '',
                'needs': {},
                }
        return {
            'code': intake.survivor.code,
            'date': intake.date,
            'filled_by': intake.filled_by,
            'interviewer': (
                intake.interviewer.rec_name if intake.interviewer else ''),
            'needs': {n.domain: n.priority for n in intake.needs},
            }


class IntakeBlankForm(IntakeForm):
    "The blank intake form, one page per survivor with her case code"
    __name__ = 'shakti.intake.blank_form'

    @classmethod
    def get_form(cls, survivor):
        form = super().get_form(None)
        if survivor is not None:
            form['code'] = survivor.code
        return form


class FollowUpForm(Report):
    "The follow-up form as filled, one page per application"
    __name__ = 'shakti.application.follow_up.form'

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        context['pages'] = cls.get_pages(records) or [{
                'application': cls.get_application(None),
                'visits': [cls.get_visit(None)] * BLANK_VISITS,
                }]
        context['headings'] = {c[0]: c[1] for c in FOLLOW_UP_COLUMNS}
        context['outcomes'] = get_selection(OUTCOMES)
        context['organisation'] = organisation()
        return context

    @classmethod
    def get_pages(cls, follow_ups):
        "Return a page per application with the visits of follow_ups"
        pages = {}
        for follow_up in follow_ups:
            application = follow_up.application
            if application.id not in pages:
                pages[application.id] = {
                    'application': cls.get_application(application),
                    'visits': [],
                    }
            pages[application.id]['visits'].append(cls.get_visit(follow_up))
        return list(pages.values())

    @classmethod
    def get_application(cls, application):
        if application is None:
            return {'code': '', 'number': '', 'scheme': '', 'office': ''}
        return {
            'code': application.survivor.code,
            'number': application.number,
            'scheme': application.scheme.rec_name,
            'office': application.office.name if application.office else '',
            }

    @classmethod
    def get_visit(cls, follow_up):
        if follow_up is None:
            return {
                'date': None,
                'staff': '',
                'with_survivor': None,
                'with_leader': None,
                'met': '',
                'outcome': None,
                'next_date': None,
                'notes': '',
                }
        if follow_up.duty_bearer:
            met = follow_up.duty_bearer.name
        else:
            met = follow_up.met_other or ''
        return {
            'date': follow_up.date,
            'staff': follow_up.staff.rec_name if follow_up.staff else '',
            'with_survivor': follow_up.with_survivor,
            'with_leader': follow_up.with_leader,
            'met': met,
            'outcome': follow_up.outcome,
            'next_date': follow_up.next_date,
            'notes': follow_up.notes or '',
            }


class FollowUpBlankForm(FollowUpForm):
    "The blank follow-up form of an application, with empty visit boxes"
    __name__ = 'shakti.application.follow_up.blank_form'

    @classmethod
    def get_pages(cls, applications):
        return [{
                'application': cls.get_application(a),
                'visits': [cls.get_visit(None)] * BLANK_VISITS,
                } for a in applications]
