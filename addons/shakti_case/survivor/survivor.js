/* This file is part of Shakti.  The COPYRIGHT file at the top level of
this repository contains the full copyright notices and license terms. */
/* Keep the visit forms that could not be sent on the phone, and send them
when the connection returns: each carries the key of its form, so a form
sent twice records one visit. */
(function () {
    'use strict';
    var KEY = 'shakti_survivor_queue';

    function load() {
        try {
            return JSON.parse(localStorage.getItem(KEY)) || [];
        } catch (e) {
            return [];
        }
    }

    function store(queue) {
        try {
            if (queue.length) {
                localStorage.setItem(KEY, JSON.stringify(queue));
            } else {
                localStorage.removeItem(KEY);
            }
        } catch (e) {
            // No storage: the form stays on the page.
        }
    }

    function account() {
        return document.body.getAttribute('data-account');
    }

    // Return the forms of the queue kept for the account logged in: those
    // of another account wait for her to log in again.
    function own(queue) {
        return queue.filter(function (item) {
            return item.account === account();
        });
    }

    // Return whether the response is the login page that a request without
    // a valid session is redirected to: the form was not saved.
    function loggedOut(response) {
        return response.redirected
            && response.url.indexOf('/survivor/login') !== -1;
    }

    function csrf() {
        var meta = document.querySelector('meta[name="csrf"]');
        return meta ? meta.getAttribute('content') : null;
    }

    function show(name) {
        var node = document.getElementById('queue');
        var text = document.body.getAttribute('data-' + name);
        if (node && text) {
            node.textContent = text;
            node.hidden = false;
        }
    }

    function post(item, token) {
        var body = new URLSearchParams();
        item.fields.forEach(function (pair) {
            if (pair[0] !== 'csrf_token') {
                body.append(pair[0], pair[1]);
            }
        });
        body.append('csrf_token', token);
        return fetch(item.action, {
            method: 'POST',
            body: body,
            credentials: 'same-origin'
        });
    }

    var sending = false;

    function flush() {
        var token = csrf();
        var queue = own(load());
        if (sending || !token || !queue.length || !account()) {
            if (queue.length) {
                show('waiting');
            }
            return;
        }
        sending = true;
        var item = queue[0];
        post(item, token).then(function (response) {
            sending = false;
            if (response.status >= 500 || loggedOut(response)) {
                // A server error or an ended session keeps the form for the
                // next send, which finds the visit if this send saved it.
                show('waiting');
                return;
            }
            store(load().filter(function (other) {
                return other.key !== item.key;
            }));
            show(response.ok ? 'sent' : 'rejected');
            flush();
        }, function () {
            sending = false;
            show('waiting');
        });
    }

    function keep(item) {
        var queue = load().filter(function (other) {
            return other.key !== item.key;
        });
        queue.push(item);
        store(queue);
    }

    function submit(event) {
        var form = event.target;
        if (form.getAttribute('data-offline') === null
                || !window.fetch || !window.URLSearchParams) {
            return;
        }
        event.preventDefault();
        var fields = [];
        new FormData(form).forEach(function (value, name) {
            fields.push([name, value]);
        });
        var item = {
            action: form.action,
            key: form.elements.client_key.value,
            account: account(),
            fields: fields
        };
        var button = form.querySelector('button[type="submit"]');
        if (button) {
            button.disabled = true;
        }
        post(item, csrf()).then(function (response) {
            if (loggedOut(response)) {
                // Her session ended: keep the visit until she logs in.
                keep(item);
                window.location.assign(response.url);
                return;
            }
            return response.text().then(function (html) {
                if (response.redirected) {
                    window.location.assign(response.url);
                } else {
                    document.open();
                    document.write(html);
                    document.close();
                }
            });
        }, function () {
            keep(item);
            if (button) {
                button.disabled = false;
            }
            show('queued');
            window.scrollTo(0, 0);
        });
    }

    // The login page shown after she logs out clears her queue, so that a
    // logout that fails offline loses nothing.
    document.addEventListener('submit', submit);
    window.addEventListener('online', flush);
    document.addEventListener('DOMContentLoaded', function () {
        if (document.querySelector('form[data-clear]')) {
            store([]);
        }
        flush();
    });
}());
