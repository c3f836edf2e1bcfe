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
        var queue = load();
        if (sending || !token || !queue.length || !document.querySelector(
                'form[data-logout]')) {
            if (queue.length) {
                show('waiting');
            }
            return;
        }
        sending = true;
        var item = queue[0];
        post(item, token).then(function (response) {
            sending = false;
            if (response.status >= 500) {
                // A server error keeps the form for the next send, which
                // finds the visit if this send saved it.
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
            fields: fields
        };
        var button = form.querySelector('button[type="submit"]');
        if (button) {
            button.disabled = true;
        }
        post(item, csrf()).then(function (response) {
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
            var queue = load().filter(function (other) {
                return other.key !== item.key;
            });
            queue.push(item);
            store(queue);
            if (button) {
                button.disabled = false;
            }
            show('queued');
            window.scrollTo(0, 0);
        });
    }

    document.addEventListener('submit', function (event) {
        if (event.target.getAttribute('data-logout') !== null) {
            store([]);
            return;
        }
        submit(event);
    });
    window.addEventListener('online', flush);
    document.addEventListener('DOMContentLoaded', function () {
        if (document.querySelector('form[data-clear]')) {
            store([]);
        }
        flush();
    });
}());
