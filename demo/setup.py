# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Create the Shakti database when missing, update it and load the demo.

Run by ``./shakti serve`` with the trytond settings in the environment."""
import argparse
import hashlib
import logging
import os
import pathlib
import secrets
import subprocess
import sys

MODULES = [
    'shakti_base', 'shakti_case', 'shakti_shg', 'shakti_partner_grants',
    'shakti_market']
# The languages of the survivor pages whose translations trytond-admin
# loads, besides English.
LANGUAGES = ['bn', 'te', 'hi']
ROOT = pathlib.Path(__file__).resolve().parent.parent
# The folder of the admin password and the update stamps.
VAR = pathlib.Path(os.environ.get('SHAKTI_VAR') or ROOT / 'var')

logger = logging.getLogger('shakti.setup')


def addons_hash():
    "Return a hash of the modules' files, to know when to update"
    digest = hashlib.sha256()
    for path in sorted((ROOT / 'addons').rglob('*')):
        if (path.is_file() and '__pycache__' not in path.parts
                and not any(p.endswith('.egg-info') for p in path.parts)):
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def database_exists(name):
    from trytond import backend, config

    uri = config.get('database', 'uri')
    if uri.startswith('sqlite'):
        path = pathlib.Path(config.get('database', 'path'), name + '.sqlite')
        return path.exists()
    database = backend.Database().connect()
    connection = database.get_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(
            'SELECT 1 FROM pg_database WHERE datname = %s', (name,))
        return cursor.fetchone() is not None
    finally:
        database.put_connection(connection)


def is_tryton_database(name):
    from trytond import backend

    database = backend.Database(name).connect()
    try:
        return database.test()
    finally:
        database.close()


def create_database(name):
    from trytond import backend, config

    uri = config.get('database', 'uri')
    if uri.startswith('sqlite'):
        path = pathlib.Path(config.get('database', 'path'), name + '.sqlite')
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        return
    database = backend.Database()
    database.connect()
    connection = database.get_connection(autocommit=True)
    try:
        database.create(connection, name)
    finally:
        database.put_connection(connection)


def admin_password():
    "Return the admin password and whether this run created it"
    path = VAR / 'admin-password'
    created = not path.exists()
    if created:
        VAR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(12) + '\n')
        path.chmod(0o600)
    return path.read_text().strip(), created


def run_admin(name, arguments):
    env = dict(os.environ)
    env['TRYTONPASSFILE'] = str(VAR / 'admin-password')
    command = [
        str(pathlib.Path(sys.executable).parent / 'trytond-admin'),
        '-d', name, '-l', *LANGUAGES] + arguments
    subprocess.run(command, check=True, env=env)


def load_demo(name):
    from trytond.pool import Pool

    from demo import data

    Pool(name).init()
    return data.load_database(name)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--database', default='shakti')
    parser.add_argument('--no-demo', action='store_true')
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format='%(message)s')

    name = args.database
    password, created = admin_password()
    stamp = VAR / ('.stamp-database-%s' % hashlib.sha256(
            (os.environ.get('TRYTOND_DATABASE__URI', '') + name).encode()
            ).hexdigest()[:16])
    current = addons_hash()
    if not database_exists(name):
        logger.info("Creating the database %s", name)
        create_database(name)
    if not is_tryton_database(name):
        logger.info("Activating the Shakti modules in %s", name)
        run_admin(name, [
                '-u', *MODULES, '--all', '--activate-dependencies',
                '--email', 'admin@example.org'])
        stamp.write_text(current)
    elif not stamp.exists() or stamp.read_text() != current:
        logger.info("Updating the database %s to the current modules", name)
        run_admin(name, ['-u', *MODULES, '--activate-dependencies'])
        stamp.write_text(current)
    else:
        logger.info("The database %s is up to date", name)

    if not args.no_demo:
        if load_demo(name):
            logger.info("Loaded the demo data")
        else:
            logger.info("The demo data is already loaded")
    print_logins(password if created else None, demo=not args.no_demo)


def print_logins(password=None, demo=True):
    "Print the demo logins if any, and the admin password when given"
    from demo import data

    print()
    if demo:
        print("Shakti demo logins (password for every demo login: %s)"
            % data.PASSWORD)
        for login, role, organisation in data.users():
            print("  %-24s %-20s %s" % (login, role, organisation))
    path = VAR / 'admin-password'
    if password:
        print("  %-24s %-20s password: %s, kept in %s" % (
                'admin', 'administrator', password, path))
    else:
        print("  %-24s %-20s password kept in %s" % (
                'admin', 'administrator', path))
    if demo:
        print("Survivor page logins (same password as the demo logins)")
        for login, language, organisation in data.SURVIVOR_ACCOUNTS:
            print("  %-24s %-20s %s" % (
                    login, 'survivor (%s)' % language, organisation))
    print()


if __name__ == '__main__':
    main()
