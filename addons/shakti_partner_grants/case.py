# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from sql.aggregate import Count
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

# The case records a milestone may count: (model, date field, label).
MEASURES = [
    ('shakti.intake', 'date', "Intakes completed"),
    ('shakti.application', 'submitted_date', "Applications submitted"),
    ]


class Milestone(metaclass=PoolMeta):
    __name__ = 'shakti.grant.milestone'

    @classmethod
    def get_measures(cls):
        return super().get_measures() + [
            (model, label) for model, _, label in MEASURES]

    @classmethod
    def count_measure(cls, measure, company, start_date, end_date):
        pool = Pool()
        Company = pool.get('company.company')
        dates = {m: f for m, f, _ in MEASURES}
        if measure not in dates:
            return super().count_measure(
                measure, company, start_date, end_date)
        Model = pool.get(measure)
        table = Model.__table__()
        date = getattr(table, dates[measure])
        companies = [c.id for c in Company.search([
                    ('parent', 'child_of', [company.id], 'parent'),
                    ])]
        in_ = fields.SQL_OPERATORS['in']
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(Count(table.id),
                where=in_(table.company, companies)
                & (date >= start_date) & (date <= end_date)))
        count, = cursor.fetchone()
        return count
