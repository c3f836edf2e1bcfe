# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import os
import re
import unittest
import xml.etree.ElementTree as ET

import polib
from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

MODULE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LANGUAGES = {
    'bn': 'nplurals=2; plural=(n > 1);',
    'te': 'nplurals=2; plural=(n != 1);',
    'hi': 'nplurals=2; plural=(n > 1);',
    }
# A Python %-format placeholder such as %(date)s or %(count)d.
PLACEHOLDER = re.compile(r'%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]')
# A number such as 5, 14.2 or 1,20,000, which a translation must keep.
NUMBER = re.compile(r'\d+(?:[.,]\d+)*')
MESSAGE_CONTEXT = 'model:ir.message,text:'


def read_po(code):
    return polib.pofile(os.path.join(MODULE_DIR, 'locale', '%s.po' % code))


def placeholders(text):
    return set(PLACEHOLDER.findall(text))


def placeholder_mismatches(pofile):
    "Return the msgctxt of each entry whose msgstr changes the placeholders"
    return [
        entry.msgctxt for entry in pofile
        if placeholders(entry.msgid) != placeholders(entry.msgstr)]


def number_mismatches(pofile):
    "Return the msgctxt of each entry whose msgstr changes the numbers"
    return [
        entry.msgctxt for entry in pofile
        if sorted(NUMBER.findall(entry.msgid))
        != sorted(NUMBER.findall(entry.msgstr))]


def survivor_page_message_ids():
    tree = ET.parse(os.path.join(MODULE_DIR, 'message.xml'))
    return sorted(
        record.get('id') for record in tree.iter('record')
        if record.get('model') == 'ir.message'
        and record.get('id').startswith('msg_survivor_page_'))


class TranslationFileTestCase(unittest.TestCase):
    "Check the locale files without a database"

    def test_headers(self):
        for code, plural_forms in LANGUAGES.items():
            with self.subTest(language=code):
                pofile = read_po(code)
                self.assertEqual(pofile.metadata['Language'], code)
                self.assertEqual(
                    pofile.metadata['Plural-Forms'], plural_forms)
                self.assertEqual(
                    pofile.metadata['Content-Type'],
                    'text/plain; charset=utf-8')

    def test_entries_translated(self):
        for code in LANGUAGES:
            pofile = read_po(code)
            for entry in pofile:
                with self.subTest(language=code, msgctxt=entry.msgctxt):
                    self.assertNotIn('fuzzy', entry.flags)
                    self.assertTrue(entry.msgstr.strip())
                    self.assertNotEqual(entry.msgstr, entry.msgid)

    def test_placeholders_kept(self):
        for code in LANGUAGES:
            with self.subTest(language=code):
                self.assertEqual(placeholder_mismatches(read_po(code)), [])

    def test_placeholder_mismatch_found(self):
        "A msgstr that renames or drops a placeholder is reported"
        pofile = polib.POFile()
        pofile.append(polib.POEntry(
                msgctxt=MESSAGE_CONTEXT + 'msg_renamed',
                msgid="Wait %(minutes)s minutes.",
                msgstr="%(minute)s মিনিট অপেক্ষা করুন।"))
        pofile.append(polib.POEntry(
                msgctxt=MESSAGE_CONTEXT + 'msg_dropped',
                msgid="Use at least %(length)s characters.",
                msgstr="আরও বড় পাসওয়ার্ড দিন।"))
        pofile.append(polib.POEntry(
                msgctxt=MESSAGE_CONTEXT + 'msg_kept',
                msgid="Use at least %(length)s characters.",
                msgstr="অন্তত %(length)sটি অক্ষর দিন।"))
        self.assertEqual(placeholder_mismatches(pofile), [
                MESSAGE_CONTEXT + 'msg_renamed',
                MESSAGE_CONTEXT + 'msg_dropped',
                ])

    def test_numbers_kept(self):
        for code in LANGUAGES:
            with self.subTest(language=code):
                self.assertEqual(number_mismatches(read_po(code)), [])

    def test_number_mismatch_found(self):
        "A msgstr that changes an amount or drops a number is reported"
        pofile = polib.POFile()
        pofile.append(polib.POEntry(
                msgctxt='model:shakti.scheme,benefit:scheme_changed',
                msgid="Assistance of INR 1,20,000.",
                msgstr="1,20,00 টাকা সহায়তা।"))
        pofile.append(polib.POEntry(
                msgctxt='model:shakti.scheme,benefit:scheme_dropped',
                msgid="35 kg a month.",
                msgstr="মাসে কিছু কেজি।"))
        pofile.append(polib.POEntry(
                msgctxt='model:shakti.scheme,benefit:scheme_kept',
                msgid="5 kg a month, 14.2 kg refill.",
                msgstr="মাসে 5 কেজি, 14.2 কেজি সিলিন্ডার।"))
        self.assertEqual(number_mismatches(pofile), [
                'model:shakti.scheme,benefit:scheme_changed',
                'model:shakti.scheme,benefit:scheme_dropped',
                ])

    def test_survivor_page_messages_translated(self):
        message_ids = survivor_page_message_ids()
        self.assertTrue(message_ids)
        for code in LANGUAGES:
            contexts = {entry.msgctxt for entry in read_po(code)}
            for message_id in message_ids:
                with self.subTest(language=code, message=message_id):
                    self.assertIn(MESSAGE_CONTEXT + message_id, contexts)


class TranslationTestCase(unittest.TestCase):
    "Load the bn and te translations into a database and read them"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('shakti_case')

    def load_translations(self, codes):
        pool = Pool()
        Lang = pool.get('ir.lang')

        languages = Lang.search([('code', 'in', codes)])
        self.assertEqual(sorted(l.code for l in languages), sorted(codes))
        Lang.load_translations(languages)

    def application_state_label(self, language, state):
        pool = Pool()
        Application = pool.get('shakti.application')

        with Transaction().set_context(language=language):
            selection = dict(
                Application.fields_get(['state'])['state']['selection'])
        return selection[state]

    def criterion_name(self, language, fs_id):
        pool = Pool()
        Criterion = pool.get('shakti.rating.criterion')
        ModelData = pool.get('ir.model.data')

        criterion_id = ModelData.get_id('shakti_case', fs_id)
        with Transaction().set_context(language=language):
            return Criterion(criterion_id).name

    def scheme_name(self, language, fs_id):
        pool = Pool()
        Scheme = pool.get('shakti.scheme')
        ModelData = pool.get('ir.model.data')

        scheme_id = ModelData.get_id('shakti_case', fs_id)
        with Transaction().set_context(language=language):
            return Scheme(scheme_id).name

    @with_transaction()
    def test_entries_match_source(self):
        "Each entry's msgctxt and msgid are those of a current source term"
        pool = Pool()
        Translation = pool.get('ir.translation')
        ModelData = pool.get('ir.model.data')

        fs_ids = {}
        for data in ModelData.search([('module', '=', 'shakti_case')]):
            fs_ids[data.model, data.db_id] = data.fs_id
        sources = set()
        for translation in Translation.search([
                    ('lang', '=', 'en'),
                    ('module', '=', 'shakti_case'),
                    ]):
            context = '%s:%s:' % (translation.type, translation.name)
            if translation.res_id >= 0:
                model = translation.name.split(',')[0]
                context += fs_ids.get((model, translation.res_id), '')
            sources.add((context, translation.src))
        for code in LANGUAGES:
            for entry in read_po(code):
                with self.subTest(language=code, msgctxt=entry.msgctxt):
                    self.assertIn((entry.msgctxt, entry.msgid), sources)

    @with_transaction()
    def test_application_state_label(self):
        self.load_translations(['bn', 'te'])

        self.assertEqual(
            self.application_state_label('bn', 'under_process'),
            "কাজ চলছে")
        self.assertEqual(
            self.application_state_label('te', 'under_process'),
            "పరిశీలనలో ఉంది")
        self.assertEqual(
            self.application_state_label('en_IN', 'under_process'),
            "Under Process")

    @with_transaction()
    def test_criterion_name(self):
        self.load_translations(['bn', 'te'])

        self.assertEqual(
            self.criterion_name('bn', 'criterion_respect'), "সম্মান")
        self.assertEqual(
            self.criterion_name('te', 'criterion_respect'), "గౌరవం")
        self.assertEqual(
            self.criterion_name('en_IN', 'criterion_respect'), "Respect")

    @with_transaction()
    def test_message_with_placeholder(self):
        self.load_translations(['bn', 'te'])
        message_id = 'shakti_case.msg_survivor_page_too_many_attempts'

        with Transaction().set_context(language='bn'):
            self.assertEqual(
                gettext(message_id, minutes=30),
                "অনেকবার ভুল চেষ্টা হয়েছে: 30 মিনিট অপেক্ষা করে আবার "
                "চেষ্টা করুন।")
        with Transaction().set_context(language='te'):
            self.assertEqual(
                gettext(message_id, minutes=30),
                "చాలాసార్లు తప్పు ప్రయత్నాలు జరిగాయి: 30 నిమిషాలు ఆగి "
                "మళ్ళీ ప్రయత్నించండి.")
        with Transaction().set_context(language='en_IN'):
            self.assertEqual(
                gettext(message_id, minutes=30),
                "Too many failed attempts: wait 30 minutes and try again.")

    @with_transaction()
    def test_language_not_loaded(self):
        "Without loading hi, its terms fall back to the English source"
        self.load_translations(['bn', 'te'])

        self.assertEqual(
            self.application_state_label('hi', 'under_process'),
            "Under Process")
        self.assertEqual(
            self.criterion_name('hi', 'criterion_respect'), "Respect")
        with Transaction().set_context(language='hi'):
            self.assertEqual(
                gettext(
                    'shakti_case.msg_survivor_page_password_length',
                    length=8),
                "The new password is too short: use at least 8 characters.")

    @with_transaction()
    def test_hindi_loaded(self):
        self.load_translations(['hi'])

        self.assertEqual(
            self.application_state_label('hi', 'approved'), "मंज़ूर हुआ")
        self.assertEqual(
            self.criterion_name('hi', 'criterion_follow_through'),
            "वादा निभाना")
        self.assertEqual(
            self.scheme_name('hi', 'scheme_pmay_g'),
            "प्रधानमंत्री आवास योजना - ग्रामीण")
        self.assertEqual(
            self.scheme_name('en_IN', 'scheme_pmay_g'),
            "Pradhan Mantri Awaas Yojana - Gramin")
        with Transaction().set_context(language='hi'):
            self.assertEqual(
                gettext(
                    'shakti_case.msg_survivor_page_password_length',
                    length=8),
                "नया पासवर्ड बहुत छोटा है: कम से कम 8 अक्षर रखें।")
