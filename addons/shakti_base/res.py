# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access


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
        # The current company may come from the context of the request, so
        # it is part of the key.
        key = (user_id, transaction.context.get('company'))
        cached = cls._get_companies_cache.get(key)
        if cached is not None:
            return cached
        # As Tryton computes it, but without its cache, which is keyed by
        # user only.
        user = cls(user_id)
        if user.company_filter == 'one':
            companies = [user.company.id] if user.company else []
        elif user.company_filter == 'all':
            companies = [c.id for c in user.companies]
        else:
            companies = []
        if companies:
            # The search applies the record rules, which call this method:
            # give them the user's own companies meanwhile.
            with transaction.set_context(_companies=tuple(companies)):
                children = Company.search([
                        ('parent', 'child_of', companies),
                        ('id', 'not in', companies),
                        ], order=[('id', 'ASC')])
            companies.extend(c.id for c in children)
        return cls._get_companies_cache.set(key, tuple(companies))

    @classmethod
    def read(cls, ids, fields_names):
        # Tryton takes the current company from the context only when it is
        # one of the user's companies. The user also works for the
        # organisations below them, as the stock and inspections of a CBO's
        # stall need.
        pool = Pool()
        Company = pool.get('company.company')
        transaction = Transaction()

        result = super().read(ids, fields_names)
        company_id = transaction.context.get('company')
        if (not fields_names or 'company' not in fields_names
                or not company_id or not transaction.user):
            return result
        for values in result:
            if values['id'] != transaction.user or values.get('company'):
                continue
            with without_check_access():
                own = set(super().read(
                        [transaction.user], ['companies'])[0]['companies'])
                company = Company(company_id)
                while company and company.id not in own:
                    company = company.parent
                if company:
                    values['company'] = company_id
                else:
                    # Another company, such as one left in the context of
                    # another user's records, gives way to her own current
                    # company: Tryton would leave her none, so no records.
                    with transaction.reset_context():
                        values['company'] = super().read(
                            [transaction.user], ['company'])[0]['company']
        return result
