# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import csv
import io
import logging
import os
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields, tree)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import file_open
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import PlaceError, PlaceImportError

logger = logging.getLogger(__name__)

PLACE_TYPES = [
    ('district', "District"),
    ('block', "Block"),
    ('mandal', "Mandal"),
    ('gram_panchayat', "Gram Panchayat"),
    ('village', "Village"),
    ]
# The place types that may be the parent of each type.
PARENT_TYPES = {
    'district': set(),
    'block': {'district'},
    'mandal': {'district'},
    'gram_panchayat': {'block', 'mandal'},
    'village': {'gram_panchayat', 'block', 'mandal'},
    }
BLOCK_TYPES = {'block', 'mandal'}
CSV_COLUMNS = ['code', 'name', 'type', 'parent', 'state']


class Place(DeactivableMixin, tree(separator=' / '), ModelSQL, ModelView):
    __name__ = 'shakti.place'
    __string__ = "Place"
    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char(
        "Code", required=True, strip=True,
        help="The unique code used to import and export the place.")
    type = fields.Selection(PLACE_TYPES, "Type", required=True, sort=False)
    type_string = type.translated('type')
    parent = fields.Many2One(
        'shakti.place', "Parent", ondelete='RESTRICT',
        states={
            'required': Eval('type') != 'district',
            'invisible': Eval('type') == 'district',
            })
    children = fields.One2Many('shakti.place', 'parent', "Children")
    subdivision = fields.Many2One(
        'country.subdivision', "State", ondelete='RESTRICT',
        states={
            'required': Eval('type') == 'district',
            'readonly': Eval('type') != 'district',
            },
        help="The state the district is in.")
    block = fields.Function(
        fields.Many2One('shakti.place', "Block or Mandal"), 'get_block')
    district = fields.Function(
        fields.Many2One('shakti.place', "District"), 'get_district')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'shakti_base.msg_place_code_unique'),
            ]
        cls._order.insert(0, ('name', 'ASC'))

    @classmethod
    def __register__(cls, module):
        super().__register__(module)
        if module == 'shakti_base':
            cls._register_country()
            with file_open(
                    os.path.join('shakti_base', 'data', 'places.csv'),
                    encoding='utf-8') as file:
                # Keep the changes made to the shipped places.
                cls.import_csv(file, update=False)

    @classmethod
    def _register_country(cls):
        "Create India, its states listed in states.csv and the rupee"
        pool = Pool()
        Country = pool.get('country.country')
        Subdivision = pool.get('country.subdivision')
        Currency = pool.get('currency.currency')

        country = Country.search([('code', '=', 'IN')])
        if country:
            country, = country
        else:
            country = Country(
                code='IN', code3='IND', code_numeric='356', name="India")
            country.save()
        with file_open(
                os.path.join('shakti_base', 'data', 'states.csv'),
                encoding='utf-8') as file:
            rows = list(csv.DictReader(file))
        existing = {s.code for s in Subdivision.search([
                    ('code', 'in', [r['code'] for r in rows]),
                    ])}
        Subdivision.save([
                Subdivision(
                    country=country, code=r['code'], name=r['name'],
                    type=r['type'])
                for r in rows if r['code'] not in existing])
        if not Currency.search([('code', '=', 'INR')]):
            Currency(
                code='INR', numeric_code='356', name="Indian Rupee",
                symbol='₹', rounding=Decimal('0.01'), digits=2).save()

    @classmethod
    def get_block(cls, places, name):
        return cls._get_ancestor(places, BLOCK_TYPES)

    @classmethod
    def get_district(cls, places, name):
        return cls._get_ancestor(places, {'district'})

    @classmethod
    def _get_ancestor(cls, places, types):
        result = {}
        for place in places:
            ancestor = place
            while ancestor and ancestor.type not in types:
                ancestor = ancestor.parent
            result[place.id] = ancestor.id if ancestor else None
        return result

    @classmethod
    def validate_fields(cls, places, field_names):
        super().validate_fields(places, field_names)
        cls.check_parent_type(places, field_names)

    @classmethod
    def check_parent_type(cls, places, field_names=None):
        if field_names and not (field_names & {'parent', 'type'}):
            return
        # A new type must still suit the place's children.
        children = cls.search([('parent', 'in', [p.id for p in places])])
        for place in list(places) + children:
            allowed = PARENT_TYPES[place.type]
            parent_type = place.parent.type if place.parent else None
            if (allowed or parent_type) and parent_type not in allowed:
                raise PlaceError(
                    gettext('shakti_base.msg_place_parent_type',
                        place=place.rec_name,
                        type=place.type_string,
                        parent=place.parent.rec_name if place.parent else ''))

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Place = pool.get('shakti.place')

        values = super().preprocess_values(mode, values)
        # The state of a place is the state of its district.
        if values.get('parent'):
            parent = Place(values['parent'])
            values['subdivision'] = parent.subdivision.id
        return values

    @classmethod
    def import_csv(cls, file, update=True):
        """Create the places of a CSV file, updating those with the same code.

        With update set to False, existing places are left as they are.
        Every row is checked before anything is saved; a bad row raises
        PlaceImportError naming the line, the column and the value."""
        pool = Pool()
        Subdivision = pool.get('country.subdivision')

        reader = csv.DictReader(file)
        missing = set(CSV_COLUMNS) - set(reader.fieldnames or [])
        if missing:
            raise PlaceImportError(
                gettext('shakti_base.msg_place_import_columns',
                    columns=', '.join(sorted(missing))))
        rows = []
        for line, row in enumerate(reader, start=2):
            row = {k: (v or '').strip() for k, v in row.items() if k}
            rows.append((line, row))

        state_codes = [r['state'] for _, r in rows if r['state']]
        states = {s.code: s for s in Subdivision.search([
                    ('code', 'in', state_codes),
                    ])}
        existing = {p.code: p for p in cls.search([
                    ('code', 'in', [
                            r[c] for _, r in rows for c in ['code', 'parent']
                            if r[c]]),
                    ], order=[])}
        types = dict(PLACE_TYPES)
        codes = {}
        for line, row in rows:
            if not row['code'] or row['code'] in codes:
                cls._raise_import(line, 'code', row['code'])
            if not row['name']:
                cls._raise_import(line, 'name', row['name'])
            if row['type'] not in types:
                cls._raise_import(line, 'type', row['type'])
            if row['type'] == 'district':
                if row['state'] not in states:
                    cls._raise_import(line, 'state', row['state'])
            else:
                parent = codes.get(row['parent']) or existing.get(
                    row['parent'])
                if not parent:
                    cls._raise_import(line, 'parent', row['parent'])
                parent_type = (
                    parent['type'] if isinstance(parent, dict)
                    else parent.type)
                if parent_type not in PARENT_TYPES[row['type']]:
                    cls._raise_import(line, 'parent', row['parent'])
            codes[row['code']] = row

        to_save = []
        by_code = dict(existing)
        for line, row in rows:
            if not update and row['code'] in existing:
                continue
            place = by_code.get(row['code']) or cls(code=row['code'])
            place.name = row['name']
            place.type = row['type']
            if row['type'] == 'district':
                place.parent = None
                place.subdivision = states[row['state']]
            else:
                place.parent = by_code[row['parent']]
                place.subdivision = place.parent.subdivision
            # Parents come before their children in the file, so save each
            # level before the next one needs its id.
            place.save()
            by_code[row['code']] = place
            to_save.append(place)
        logger.info("imported %d places", len(to_save))
        return to_save

    @classmethod
    def _raise_import(cls, line, column, value):
        raise PlaceImportError(
            gettext('shakti_base.msg_place_import_value',
                line=line, column=column, value=value))


class CompanyPlace(ModelSQL):
    __name__ = 'company.company-shakti.place'
    __string__ = "Organisation Working Area"
    company = fields.Many2One(
        'company.company', "Organisation", required=True, ondelete='CASCADE')
    place = fields.Many2One(
        'shakti.place', "Place", required=True, ondelete='CASCADE')


class ImportPlaces(Wizard):
    __name__ = 'shakti.place.import'
    start = StateView(
        'shakti.place.import.start',
        'shakti_base.place_import_start_view_form',
        [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Import", 'import_', 'tryton-ok', default=True),
            ])
    import_ = StateTransition()

    def transition_import_(self):
        pool = Pool()
        Place = pool.get('shakti.place')

        data = self.start.file
        try:
            text = data.decode('utf-8-sig')
        except UnicodeDecodeError:
            raise PlaceImportError(
                gettext('shakti_base.msg_place_import_encoding'))
        Place.import_csv(io.StringIO(text))
        return 'end'


class ImportPlacesStart(ModelView):
    __name__ = 'shakti.place.import.start'
    __string__ = "Import Places"
    file = fields.Binary(
        "File", required=True,
        help="A CSV file with the columns code, name, type, parent and "
        "state.")
