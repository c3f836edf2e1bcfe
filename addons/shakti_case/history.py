# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from sql import Column
from sql.conditionals import Coalesce
from trytond import backend
from trytond.model import ModelSQL, fields
from trytond.pool import Pool
from trytond.report import Report
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, check_access

_SKIPPED_FIELDS = {
    'id', 'create_uid', 'create_date', 'write_uid', 'write_date', 'company',
    }


class CaseHistory:
    """The changes made to a survivor's case records, from their history.

    A case record is a model with ``_history`` that has a ``survivor`` field,
    or whose ``__access__`` names a field pointing to such a model (as an
    intake need points to its intake). Only the models and fields the user
    may read are listed."""

    def __init__(self, survivors):
        self.survivors = survivors
        self.users = {}
        self.labels = defaultdict(dict)

    @classmethod
    def case_models(cls):
        "Return (model, parent field, parent model) for every case model"
        pool = Pool()
        models = []
        direct = {'shakti.survivor'}
        for name, Model in pool.iterobject():
            field = Model._fields.get('survivor')
            if (issubclass(Model, ModelSQL) and Model._history
                    and name != 'shakti.survivor'
                    and isinstance(field, fields.Many2One)
                    and field.model_name == 'shakti.survivor'):
                models.append((Model, 'survivor', 'shakti.survivor'))
                direct.add(name)
        for name, Model in pool.iterobject():
            if (not issubclass(Model, ModelSQL) or not Model._history
                    or name in direct):
                continue
            for parent in sorted(Model.__access__):
                field = Model._fields.get(parent)
                if (isinstance(field, fields.Many2One)
                        and field.model_name in direct - {'shakti.survivor'}):
                    target = field.model_name
                    models.append((Model, parent, target))
                    break
        return models

    def changes(self):
        "Return the changes per survivor id, oldest first"
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        Survivor = pool.get('shakti.survivor')

        survivor_ids = [s.id for s in self.survivors]
        record_ids = {'shakti.survivor': {i: i for i in survivor_ids}}
        events = self.read_history(Survivor, record_ids['shakti.survivor'])
        for Model, parent, parent_model in self.case_models():
            if not ModelAccess.check(
                    Model.__name__, 'read', raise_exception=False):
                continue
            parents = record_ids.get(parent_model, {})
            owners = self.find_records(Model, parent, parents)
            record_ids[Model.__name__] = owners
            events.extend(self.read_history(Model, owners))
        self.load_labels()
        timezone = self.timezone()
        result = defaultdict(list)
        for event in sorted(events, key=lambda e: (e['date'], e['order'])):
            event['user'] = self.users.get(event['user'], '')
            event['record'] = (
                self.labels[event['model']].get(event['record'])
                or '#%s' % event['record'])
            event['model'] = pool.get(event['model']).__names__()['model']
            event['date'] = event['date'].replace(
                tzinfo=dt.timezone.utc).astimezone(timezone)
            for change in event['changes']:
                change['old'] = self.format(*change['old'])
                change['new'] = self.format(*change['new'])
            result[event['survivor']].append(event)
        return result

    @staticmethod
    def find_records(Model, parent, parents):
        "Return the ids of Model's records under parents, with their survivor"
        history = Model.__table_history__()
        cursor = Transaction().connection.cursor()

        owners = {}
        column = Column(history, parent)
        for sub_ids in grouped_slice(list(parents), backend.MAX_QUERY_PARAMS):
            cursor.execute(*history.select(
                    history.id, column,
                    where=column.in_(list(sub_ids)),
                    group_by=[history.id, column]))
            for id_, parent_id in cursor:
                owners[id_] = parents[parent_id]
        return owners

    def read_history(self, Model, owners):
        "Return the events of the records in owners (id: survivor id)"
        pool = Pool()
        FieldAccess = pool.get('ir.model.field.access')

        history = Model.__table_history__()
        cursor = Transaction().connection.cursor()
        access = FieldAccess.get_access([Model.__name__])[Model.__name__]
        names = [n for n, f in sorted(Model._fields.items())
            if f.sql_type() and not isinstance(f, fields.Function)
            and not isinstance(f, fields.Binary)
            and n not in _SKIPPED_FIELDS
            and access.get(n, {}).get('read', True)]
        date = Coalesce(history.write_date, history.create_date)
        rows = []
        for sub_ids in grouped_slice(list(owners), backend.MAX_QUERY_PARAMS):
            cursor.execute(*history.select(
                    history.id, Column(history, '__id'), date,
                    history.create_date, history.create_uid,
                    history.write_uid,
                    *[Column(history, n) for n in names],
                    where=history.id.in_(list(sub_ids)),
                    order_by=[history.id, date, Column(history, '__id')]))
            rows.extend(cursor)
        events = []
        previous = {}
        for row in rows:
            id_, order, date_, created, create_uid, write_uid = row[:6]
            values = dict(zip(names, row[6:]))
            if isinstance(date_, str):
                date_ = dt.datetime.fromisoformat(date_)
            before = previous.get(id_)
            event = {
                'survivor': owners[id_],
                'date': date_,
                'order': order,
                'model': Model.__name__,
                'record': id_,
                'user': write_uid or create_uid,
                'changes': [],
                }
            if created is None:
                event['action'] = 'deleted'
            elif before is None:
                event['action'] = 'created'
                event['user'] = create_uid
            else:
                event['action'] = 'modified'
                for name in names:
                    if values[name] != before[name]:
                        event['changes'].append({
                                'field': Model.__names__(name)['field'],
                                'old': (Model, name, before[name]),
                                'new': (Model, name, values[name]),
                                })
                if not event['changes']:
                    previous[id_] = values
                    continue
            previous[id_] = values
            self.users.setdefault(event['user'], None)
            self.labels[Model.__name__][id_] = None
            for name in names:
                field = Model._fields[name]
                if field._type == 'many2one' and values[name] is not None:
                    self.labels[field.model_name][values[name]] = None
            events.append(event)
        return events

    def load_labels(self):
        "Read the names of the users and linked records in one go per model"
        pool = Pool()
        User = pool.get('res.user')

        user_ids = [u for u in self.users if u is not None]
        for user in User.browse(user_ids):
            self.users[user.id] = user.rec_name
        self.users[0] = "Administrator"
        for model, ids in self.labels.items():
            Target = pool.get(model)
            with Transaction().set_context(active_test=False):
                existing = Target.search([('id', 'in', list(ids))])
            for record in existing:
                ids[record.id] = record.rec_name

    @staticmethod
    def timezone():
        "Return the time zone of the user's organisation"
        pool = Pool()
        Company = pool.get('company.company')

        company_id = Transaction().context.get('company')
        if company_id is not None and company_id >= 0:
            company = Company(company_id)
            if company.timezone:
                return ZoneInfo(company.timezone)
        return dt.timezone.utc

    def format(self, Model, name, value):
        "Return the value of field name of Model as text"
        field = Model._fields[name]
        if value is None:
            return ''
        if field._type == 'many2one':
            return self.labels[field.model_name].get(value) or '#%s' % value
        if field._type == 'selection' and not callable(field.selection):
            return dict(field.selection).get(value, value)
        if field._type == 'boolean':
            return "Yes" if value else "No"
        return str(value)


class CaseHistoryReport(Report):
    __name__ = 'shakti.survivor.history'

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Survivor = pool.get('shakti.survivor')

        context = super().get_context(records, header, data)
        # Reports run without the record rules: reading the survivors with
        # them refuses a survivor of another organisation.
        with check_access():
            Survivor.read([r.id for r in records], ['code'])
        history = CaseHistory(records)
        context['changes'] = history.changes()
        context['timezone'] = history.timezone()
        return context
