# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from .sqlite import keep_transactions_atomic

keep_transactions_atomic()
