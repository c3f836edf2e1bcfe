# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import Model, fields
from trytond.pyson import Eval
from trytond.transaction import Transaction, check_access

from .exceptions import OrganisationError


class OrganisationMixin(Model):
    """Scope a model to the organisation that owns its records.

    Every model using it needs a global ``ir.rule`` with the domain
    ``[('company', 'in', Eval('companies', []))]``; the company module's
    test_company_rule and the cross-module isolation test check it.
    A record whose ``_organisation_parent`` Many2One is set takes the
    organisation of that parent. The Many2One fields named in
    ``_organisation_fields`` must point to records of the same
    organisation, except employees, who may also belong to an organisation
    above it (a partner's counsellor serves the survivors of its CBOs)."""
    __slots__ = ()
    company = fields.Many2One(
        'company.company', "Organisation", required=True,
        ondelete='RESTRICT',
        states={
            'readonly': Eval('id', -1) >= 0,
            })
    _organisation_parent = None
    _organisation_fields = set()

    @classmethod
    def __setup__(cls):
        super().__setup__()
        if cls._organisation_parent:
            cls.company.readonly = True

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        parent = cls._organisation_parent
        if parent and values.get(parent) is not None:
            Parent = cls._fields[parent].get_target()
            values['company'] = Parent(values[parent]).company.id
        return values

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        # Check the record rules before the subclasses' own checks, so that
        # their messages never name a record of another organisation.
        if external and mode in {'write', 'delete'}:
            cls.check_read(records)
        super().check_modification(
            mode, records, values=values, external=external)
        if mode == 'write' and values and 'company' in values:
            for record in records:
                if record.company.id != values['company']:
                    raise OrganisationError(
                        gettext('shakti_base.msg_organisation_change',
                            record=record.rec_name,
                            organisation=record.company.rec_name))

    @classmethod
    def check_read(cls, records):
        "Raise AccessError unless the user may read the records by the rules"
        if Transaction().user:
            with check_access():
                cls.read([r.id for r in records], ['company'])

    @classmethod
    def copy(cls, records, default=None):
        # Tryton copies the values it reads without the record rules, so
        # check them first.
        cls.check_read(records)
        return super().copy(records, default=default)

    @classmethod
    def history_revisions(cls, ids):
        cls.check_read(cls.browse(ids))
        return super().history_revisions(ids)

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def validate_fields(cls, records, field_names):
        super().validate_fields(records, field_names)
        cls.check_organisation(records, field_names)

    @classmethod
    def check_organisation(cls, records, field_names=None):
        names = set(cls._organisation_fields)
        if cls._organisation_parent:
            names.add(cls._organisation_parent)
        if field_names:
            if 'company' not in field_names:
                names = names & field_names
        for record in records:
            for name in sorted(names):
                target = getattr(record, name)
                if not target:
                    continue
                if target.__name__ == 'company.employee':
                    allowed = set()
                    company = record.company
                    while company:
                        allowed.add(company)
                        company = company.parent
                else:
                    allowed = {record.company}
                if target.company not in allowed:
                    raise OrganisationError(
                        gettext('shakti_base.msg_organisation_mismatch',
                            record=record.rec_name,
                            field=cls.__names__(name)['field'],
                            value=target.rec_name,
                            organisation=record.company.rec_name))
