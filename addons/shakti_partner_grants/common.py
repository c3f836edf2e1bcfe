# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.transaction import Transaction

from .exceptions import FunderError


def user_organisation():
    "Return the organisation the user works for now, or None for root"
    pool = Pool()
    Company = pool.get('company.company')
    transaction = Transaction()
    if not transaction.user:
        return None
    company_id = transaction.context.get('company')
    return Company(company_id) if company_id else None


def is_above(organisation, company):
    "Return whether organisation is strictly above company"
    parent = company.parent
    while parent:
        if parent == organisation:
            return True
        parent = parent.parent
    return False


def check_funder(records, action):
    """Raise FunderError unless the user works for an organisation above
    the organisation of each record: the one that funds it, or the lead
    NGO above them. Root is not checked."""
    for record in records:
        check_funder_of(record.company, record.rec_name, action)


def check_funder_of(recipient, record_name, action):
    """Raise FunderError unless the user works for an organisation above
    recipient, naming the record by record_name. Root is not checked."""
    transaction = Transaction()
    if not transaction.user:
        return
    organisation = user_organisation()
    if organisation is None or not is_above(organisation, recipient):
        raise FunderError(gettext(
                'shakti_partner_grants.msg_funder_only',
                action=action,
                record=record_name,
                organisation=(
                    organisation.rec_name if organisation else '-'),
                recipient=recipient.rec_name))


def check_second_user(records, field, exception, message):
    """Raise exception with message when the user is the one named by the
    user field of a record, the one who requested or submitted it. Root is
    not checked."""
    user = Transaction().user
    if not user:
        return
    for record in records:
        first = getattr(record, field)
        if first and first.id == user:
            raise exception(gettext(
                    message, record=record.rec_name, user=first.rec_name))
