# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import fields, tree
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from .exceptions import OrganisationError

ORGANISATION_TYPES = [
    ('lead', "Lead NGO"),
    ('partner', "Partner NGO"),
    ('cbo', "Community-Based Organisation"),
    ]
# The organisation types that may be the parent of each type.
PARENT_TYPES = {
    'lead': set(),
    'partner': {'lead'},
    'cbo': {'lead', 'partner'},
    }


class Company(tree(), metaclass=PoolMeta):
    __name__ = 'company.company'
    organisation_type = fields.Selection(
        [(None, "")] + ORGANISATION_TYPES, "Organisation Type")
    parent = fields.Many2One(
        'company.company', "Parent", ondelete='RESTRICT',
        help="The organisation that supports and monitors this one.\n"
        "Users of the parent see the records of its children.")
    children = fields.One2Many('company.company', 'parent', "Children")
    places = fields.Many2Many(
        'company.company-shakti.place', 'company', 'place', "Working Areas",
        domain=[('type', 'in', ['district', 'block', 'mandal'])],
        help="The districts, blocks or mandals the organisation works in.")

    @classmethod
    def validate_fields(cls, companies, field_names):
        super().validate_fields(companies, field_names)
        cls.check_organisation_parent(companies, field_names)

    @classmethod
    def check_organisation_parent(cls, companies, field_names=None):
        if field_names and not (
                field_names & {'parent', 'organisation_type'}):
            return
        for company in companies:
            if not company.parent or not company.organisation_type:
                continue
            allowed = PARENT_TYPES[company.organisation_type]
            if company.parent.organisation_type not in allowed:
                raise OrganisationError(
                    gettext('shakti_base.msg_organisation_parent_type',
                        organisation=company.rec_name,
                        parent=company.parent.rec_name))

    @classmethod
    def on_modification(cls, mode, companies, field_names=None):
        pool = Pool()
        User = pool.get('res.user')

        super().on_modification(mode, companies, field_names=field_names)
        if mode != 'write' or (field_names and 'parent' in field_names):
            # The companies of every user include the children.
            User._get_companies_cache.clear()

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('//page[@id="shakti"]', 'states', {
                    'invisible': ~Eval('organisation_type'),
                    }),
            ]
