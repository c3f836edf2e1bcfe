# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Helpers shared by the cross-module tests."""
from importlib.metadata import entry_points

from trytond.model import ModelSQL
from trytond.pool import Pool
from trytond.pyson import Eval, PYSONEncoder

# The models of other modules whose records Shakti links to survivors.
LINKED_MODELS = {'web.user'}


def shakti_modules():
    "Return the names of the installed Shakti modules"
    return sorted(
        e.name for e in entry_points(group='trytond.modules')
        if e.name.startswith('shakti_'))


def company_rule_domain(field='company'):
    return PYSONEncoder(sort_keys=True).encode(
        [(field, 'in', Eval('companies', []))])


def organisation_path(Model, scoped):
    """Return the path from Model to its organisation, or None.

    A model is scoped by its own company field, or through the fields of
    ``__access__`` to a scoped model."""
    if 'company' in Model._fields and (
            Model._fields['company']._type == 'many2one'
            and Model._fields['company'].model_name == 'company.company'):
        return 'company'
    for name in sorted(Model.__access__):
        target = Model._fields[name].model_name
        if target in scoped:
            return '%s.%s' % (name, scoped[target])
    return None


def survivor_models():
    """Return the Shakti models, and the LINKED_MODELS, that hold
    organisation or survivor data.

    The result maps each model name to the path of its organisation field,
    or to None when the model links to scoped records but has no path: a
    model that the isolation test reports as unprotected."""
    pool = Pool()

    candidates = {}
    for name, Model in pool.iterobject():
        if ((name.startswith('shakti.') or name in LINKED_MODELS)
                and issubclass(Model, ModelSQL)):
            candidates[name] = Model

    scoped = {}
    changed = True
    while changed:
        changed = False
        for name, Model in candidates.items():
            if name in scoped:
                continue
            path = organisation_path(Model, scoped)
            if path:
                scoped[name] = path
                changed = True
    result = dict(scoped)
    for name, Model in candidates.items():
        if name in scoped:
            continue
        links = [
            f for f, field in Model._fields.items()
            if field._type in {'many2one', 'one2one', 'reference'}
            and getattr(field, 'model_name', None) in scoped]
        if links:
            result[name] = None
    return result
