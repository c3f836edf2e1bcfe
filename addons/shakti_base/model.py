# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import copy
from collections import defaultdict
from decimal import Decimal
from functools import wraps

from sql.aggregate import Sum
from sql.functions import CurrentTimestamp
from trytond import backend
from trytond.i18n import gettext
from trytond.model import Model, ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.model.modelstorage import _record_eval_pyson
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, check_access

from .exceptions import OrganisationError


def sum_by(table, key, amount, ids, where=None):
    """Return the sum of amount per key for the ids, as Decimal.

    SQLite returns sums as floats or integers, hence the conversion."""
    cursor = Transaction().connection.cursor()
    in_ = fields.SQL_OPERATORS['in']
    totals = defaultdict(Decimal)
    for sub_ids in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
        condition = in_(key, sub_ids)
        if where is not None:
            condition &= where
        cursor.execute(*table.select(
                key, Sum(amount), where=condition, group_by=[key]))
        for key_id, total in cursor:
            totals[key_id] = Decimal(str(total or 0))
    return totals


def lock_existing(records):
    """Lock the records created before this transaction.

    Tryton lists the records a transaction created only once their
    creation is validated, so locking a record while it is being created
    would restart the transaction forever. A record created in this
    transaction cannot be seen by another one, so it needs no lock.
    PostgreSQL sets CURRENT_TIMESTAMP to the start of the transaction,
    which finds these records; SQLite has no row locks and lets one
    transaction write at a time."""
    transaction = Transaction()
    if not records or not transaction.database.has_select_for():
        return
    Model = records[0].__class__
    table = Model.__table__()
    cursor = transaction.connection.cursor()
    in_ = fields.SQL_OPERATORS['in']
    existing = []
    for sub_ids in grouped_slice(
            list({r.id for r in records}), backend.MAX_QUERY_PARAMS):
        cursor.execute(*table.select(table.id,
                where=in_(table.id, sub_ids)
                & (table.create_date != CurrentTimestamp())))
        existing.extend(i for i, in cursor)
    Model.lock(Model.browse(existing))


class ChangeAccessMixin(Model):
    """Check access before running the on_change calls of a model.

    Tryton reads the values that a client did not send from the database
    without checking access, and the result names the linked records. So
    each call first checks that the user may read the record, the records
    its values link to and the fields that the call uses."""
    __slots__ = ()

    @classmethod
    def __post_setup__(cls):
        super().__post_setup__()
        # Tryton also serves the on_change method of each field on its own:
        # check access there as in on_change and on_change_with.
        for name, rpc in list(cls.__rpc__.items()):
            if name.startswith('on_change_with_'):
                prefix = 'on_change_with_'
            elif (name.startswith('on_change_')
                    and name not in {'on_change_with', 'on_change_notify'}):
                prefix = 'on_change_'
            else:
                continue
            rpc = copy.copy(rpc)
            rpc.decorator = _change_access_decorator(
                prefix, name[len(prefix):], rpc.decorator)
            cls.__rpc__[name] = rpc

    def _check_change_access(self, fieldnames, prefix):
        """Raise AccessError unless the user may read the record, the
        records its values link to, and the fields an on_change uses"""
        pool = Pool()
        FieldAccess = pool.get('ir.model.field.access')
        ModelAccess = pool.get('ir.model.access')

        transaction = Transaction()
        if not (transaction.user and transaction.check_access):
            return
        cls = self.__class__
        names = set(fieldnames)
        for name in fieldnames:
            method = getattr(cls, prefix + name, None)
            names.update(
                n.split('.')[0] for n in getattr(method, 'depends', ()))
        check_changed_values_access(self)
        with check_access():
            ModelAccess.check(cls.__name__, 'read')
            FieldAccess.check(
                cls.__name__, sorted(n for n in names if n in cls._fields))

    def on_change(self, fieldnames):
        # Tryton reads the values a client did not send from the database
        # without checking access, so check it first.
        self._check_change_access(fieldnames, 'on_change_')
        return super().on_change(fieldnames)

    def on_change_with(self, fieldnames):
        self._check_change_access(fieldnames, 'on_change_with_')
        return super().on_change_with(fieldnames)


class OrganisationMixin(ChangeAccessMixin, Model):
    """Scope a model to the organisation that owns its records.

    Every model using it needs a global ``ir.rule`` with the domain
    ``[('company', 'in', Eval('companies', []))]``; the company module's
    test_company_rule and the cross-module isolation test check it.
    A record whose ``_organisation_parent`` Many2One is set takes the
    organisation of that parent. The Many2One fields named in
    ``_organisation_fields`` must point to records of the same
    organisation, except employees, who may also belong to an organisation
    above it (a partner's counsellor serves the survivors of its CBOs).
    The Many2One fields named in ``_organisation_lower_fields`` may point
    to records of the same organisation or of any organisation below it
    (a lead NGO's competition takes entries from the plans of its CBOs)."""
    __slots__ = ()
    company = fields.Many2One(
        'company.company', "Organisation", required=True,
        ondelete='RESTRICT',
        states={
            'readonly': Eval('id', -1) >= 0,
            })
    _organisation_parent = None
    _organisation_fields = set()
    _organisation_lower_fields = set()

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
    def _before_create(cls, vlist):
        # Check the linked records before the validation, whose messages
        # would name a record of another organisation.
        transaction = Transaction()
        if transaction.user and transaction.check_access:
            cls.check_readonly_created(vlist)
            cls.check_links(vlist)
        return super()._before_create(vlist)

    @classmethod
    def check_links(cls, vlist):
        """Raise AccessError unless the user may read every record that the
        values link to, following the records they create"""
        pool = Pool()
        Rule = pool.get('ir.rule')

        links = defaultdict(set)
        _collect_links(cls, vlist, links)
        with check_access():
            for model, ids in links.items():
                Rule.check(model, sorted(ids))

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        # Check the record rules before the subclasses' own checks, so that
        # their messages never name a record of another organisation.
        if external and mode in {'write', 'delete'}:
            cls.check_read(records)
        if external and mode == 'write' and values:
            cls.check_links([values])
        if external and mode == 'write':
            cls.check_readonly(records, values)
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
    def check_readonly(cls, records, values):
        """Raise AccessError if a caller sets a read-only field.

        check_readonly_created checks the values of a create."""
        check_readonly(cls, records, values)

    @classmethod
    def check_readonly_created(cls, vlist):
        """Raise AccessError if a value sets an always read-only field to
        another value than its default.

        Links are left to the record rules, which check_links applies, so
        that the code creating records as the user may fill them, except
        the links to users: they record who did what."""
        for values in vlist:
            for name, value in values.items():
                field = cls._fields.get(name)
                if (field is None or not field.readonly or name == 'company'
                        or not value):
                    continue
                if (field._type in {'many2one', 'one2one', 'reference'}
                        and getattr(field, 'model_name', None)
                        != 'res.user'):
                    continue
                default = getattr(cls, 'default_%s' % name, None)
                if default and value == default():
                    continue
                raise AccessError(gettext(
                        'shakti_base.msg_field_readonly_create',
                        field=cls.__names__(name)['field'],
                        model=cls.__names__()['model'],
                        value=_value_string(field, value)))

    @classmethod
    def check_read(cls, records):
        "Raise AccessError unless the user may read the records by the rules"
        check_rule_read(cls, records)

    @classmethod
    def copy(cls, records, default=None):
        # Tryton copies the values it reads without the record rules, so
        # check them first.
        cls.check_read(records)
        default = default.copy() if default is not None else {}
        # A copy is a new record: the values the system set on the
        # original, as its state or its number, start again from their
        # defaults.
        for name, field in cls._fields.items():
            if (field.readonly and name not in {
                        'id', 'company', 'create_uid', 'create_date',
                        'write_uid', 'write_date', 'rec_name'}
                    and not isinstance(field, fields.Function)
                    and field._type not in {
                        'one2many', 'many2many', 'many2one', 'one2one',
                        'reference'}):
                default_method = getattr(cls, 'default_%s' % name, None)
                default.setdefault(
                    name, default_method() if default_method else None)
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
        names |= set(cls._organisation_lower_fields)
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
                if name in cls._organisation_lower_fields:
                    allowed = {record.company}
                    company = target.company
                    while company and company != record.company:
                        company = company.parent
                    if company:
                        allowed.add(target.company)
                elif target.__name__ == 'company.employee':
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


class LockedByParentMixin(Model):
    """Reject the changes a client makes to the records of a parent that
    is no longer open to change.

    ``_locked_by`` maps the path of each parent (a Many2One, or a path of
    them such as ``entry.competition``) to the states of the parent in
    which its records may be created, changed or deleted. The parent's
    form makes them read-only in its other states; this applies the same
    rule to the records' own model, which any caller may use."""
    __slots__ = ()
    _locked_by = {}

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if external and cls._locked_by:
            cls.check_parent_open(records, values)

    @classmethod
    def check_parent_open(cls, records, values=None):
        for path, states in cls._locked_by.items():
            first, *rest = path.split('.')
            parents = [getattr(r, first) for r in records]
            if values and values.get(first) is not None:
                Target = cls._fields[first].get_target()
                parents.append(Target(_to_id(values[first])))
            for parent in parents:
                for name in rest:
                    parent = getattr(parent, name) if parent else None
                if parent and parent.state not in states:
                    raise AccessError(gettext(
                            'shakti_base.msg_parent_locked',
                            model=cls.__names__()['model'],
                            parent=parent.rec_name,
                            state=dict(parent.__class__.fields_get(
                                    ['state'])['state']['selection'])[
                                parent.state]))


class ComputedMixin(Model):
    """Reject the changes a caller makes to records the system computes.

    Tryton grants the access of the models in ``__access__``, so a user who
    may change a loan may also change its schedule lines by their own
    model. The records of a model using this mixin are written only by
    the code that computes them, under ``without_check_access``."""
    __slots__ = ()

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        if external:
            raise AccessError(gettext(
                    'shakti_base.msg_computed_record',
                    model=cls.__names__()['model']))
        super().check_modification(
            mode, records, values=values, external=external)


def check_readonly(Model, records, values):
    """Raise AccessError if a caller sets a read-only field of the records
    of Model.

    The web client never sends a read-only field, but Tryton does not
    check them on the server, so any other caller could change a state
    or the amounts of a posted record. A write may not change a field
    that is read-only, always or by its states for the record."""
    for name, value in values.items():
        field = Model._fields.get(name)
        if field is None or name == 'company':
            continue
        readonly = field.readonly
        if not readonly and 'readonly' not in field.states:
            continue
        for record in records:
            if (not readonly and not _record_eval_pyson(
                        record, field.states['readonly'])):
                continue
            if _same_value(record, name, value):
                continue
            raise AccessError(gettext(
                    'shakti_base.msg_field_readonly',
                    field=Model.__names__(name)['field'],
                    record=record.rec_name,
                    value=_value_string(field, value)))


def _collect_links(Model, vlist, links):
    "Add to links the ids, per model, that vlist links to or changes"
    for values in vlist:
        for name, value in values.items():
            field = Model._fields.get(name)
            if isinstance(field, fields.Many2One):
                id_ = _to_id(value)
                if id_ is not None and id_ >= 0:
                    links[field.model_name].add(id_)
            elif isinstance(field, (fields.One2Many, fields.Many2Many)):
                Target = field.get_target()
                for action in value or []:
                    if action[0] == 'create':
                        _collect_links(Target, action[1], links)
                    elif action[0] == 'write':
                        for ids, sub_values in zip(
                                action[1::2], action[2::2]):
                            links[Target.__name__].update(_to_ids(ids))
                            _collect_links(Target, [sub_values], links)
                    elif action[0] in {'add', 'set', 'delete', 'remove'}:
                        links[Target.__name__].update(_to_ids(action[1]))


def _collect_record_links(record, links, seen):
    """Add to links the ids, per model, of the saved records in the values
    of record, its parents and children included, and of record itself"""
    if id(record) in seen:
        return
    seen.add(id(record))
    if record.id is not None and record.id >= 0:
        links[record.__name__].add(record.id)
    if not record._values:
        return
    for _, value in record._values._items():
        if isinstance(value, Model):
            _collect_record_links(value, links, seen)
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, Model):
                    _collect_record_links(item, links, seen)


def readonly_once_saved(field):
    "Make field read-only once its record is saved, for a client"
    saved = Eval('id', -1) >= 0
    readonly = field.states.get('readonly')
    field.states = dict(field.states,
        readonly=(readonly | saved) if readonly is not None else saved)


def _value_string(field, value):
    """Return value as a user reads it in a message: the name of a linked
    record, which the caller may read, and the records of a list"""
    if field._type in {'many2one', 'one2one'}:
        id_ = _to_id(value)
        if id_ is not None and id_ >= 0:
            return field.get_target()(id_).rec_name
    elif field._type in {'one2many', 'many2many'}:
        return gettext('shakti_base.msg_value_list')
    return value


def _same_value(record, name, value):
    "Return whether value is the value of field name of the saved record"
    current = getattr(record, name)
    if isinstance(current, Model):
        return _to_id(value) == current.id
    if isinstance(current, (list, tuple)):
        return not value
    return current == value


def _to_id(value):
    "Return value as a record id as Tryton reads it, or None"
    if value is None or value is False:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _to_ids(values):
    return {i for i in map(_to_id, values or []) if i is not None}


def _change_access_decorator(prefix, field_name, decorator=None):
    "Return an RPC decorator checking access before an on_change method"
    def decorate(func):
        @wraps(func)
        def wrapper(record, *args, **kwargs):
            record._check_change_access([field_name], prefix)
            return func(record, *args, **kwargs)
        return decorator(wrapper) if decorator else wrapper
    return decorate


def check_rule_read(Model, records):
    "Raise AccessError unless the user may read the records by the rules"
    if Transaction().user:
        with check_access():
            Model.read([r.id for r in records], ['company'])


def check_changed_values_access(record):
    """Raise AccessError unless the user may read the records linked from
    the values of record, itself included, and their models.

    The result of every on_change call names the linked records by their
    rec_name, which Tryton reads without checking access. A client may
    send any id in any model's values, and a note's resource may name a
    record of any model."""
    pool = Pool()
    ModelAccess = pool.get('ir.model.access')
    Rule = pool.get('ir.rule')

    transaction = Transaction()
    if not (transaction.user and transaction.check_access):
        return
    links = defaultdict(set)
    _collect_record_links(record, links, set())
    with check_access():
        for model, ids in links.items():
            ModelAccess.check(model, 'read')
            Rule.check(model, sorted(ids))


def _patch_changed_values():
    # Every model's on_change result goes through ModelView._changed_values,
    # including models of other modules such as ir.note and ir.attachment,
    # so the check is added there once for all of them.
    original = ModelView._changed_values
    if getattr(original, 'shakti_checked', False):
        return

    @wraps(original)
    def _changed_values(self):
        check_changed_values_access(self)
        return original(self)
    _changed_values.shakti_checked = True
    ModelView._changed_values = _changed_values


_patch_changed_values()


def format_amount(amount, currency):
    "Return amount formatted in currency, with grouping, for a message"
    pool = Pool()
    Lang = pool.get('ir.lang')

    return Lang.get().currency(amount, currency, grouping=True)


class CurrencyMixin(Model):
    """Show the amounts of a record in the currency of its organisation.

    Use it with ``OrganisationMixin``, which provides ``company``."""
    __slots__ = ()
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None
