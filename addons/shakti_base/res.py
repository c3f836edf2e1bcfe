# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def get_companies(cls):
        """Return the user's companies followed by all their descendants.

        The record rules use this list, so the users of an organisation see
        the records of the partners and CBOs under it."""
        pool = Pool()
        Company = pool.get('company.company')

        transaction = Transaction()
        if '_companies' in transaction.context:
            return super().get_companies()
        user_id = transaction.user
        cached = cls._get_companies_cache.get(user_id)
        if cached is not None:
            return cached
        companies = list(super().get_companies())
        if companies:
            children = Company.search([
                    ('parent', 'child_of', companies),
                    ('id', 'not in', companies),
                    ], order=[('id', 'ASC')])
            companies.extend(c.id for c in children)
        return cls._get_companies_cache.set(user_id, tuple(companies))
