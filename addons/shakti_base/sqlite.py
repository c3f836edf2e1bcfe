# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Keep each transaction on SQLite all or nothing.

When a transaction starts, Tryton's cache reads which caches other
processes have cleared, at most once every ``[cache] clean_timeout``
seconds. On SQLite it does so through the transaction's own connection,
switched to autocommit, and leaves it so: the rest of that transaction
then commits each statement, and a request that fails halfway keeps the
changes made before the failure. On an in-memory database the nested
transactions share one connection, and the switch commits the changes of
the transaction around them.

``keep_transactions_atomic`` wraps the cache's check so that the
connection returns to its isolation level, and skips the check in a
transaction nested in one with pending changes."""
import functools

from trytond import backend
from trytond.cache import Cache


def keep_transactions_atomic(cache=Cache):
    "Wrap the sync of the cache class so that it keeps transactions atomic"
    sync = cache.sync
    if getattr(sync, 'keeps_transactions_atomic', False):
        return

    @functools.wraps(sync)
    def atomic_sync(cls, transaction):
        if backend.name != 'sqlite':
            return sync(transaction)
        connection = transaction.connection
        if connection.in_transaction:
            return
        level = connection.isolation_level
        try:
            return sync(transaction)
        finally:
            connection.isolation_level = level
    atomic_sync.keeps_transactions_atomic = True
    cache.sync = classmethod(atomic_sync)
