/*
 * Keeps a board's socket alive and its contents current.
 *
 * The htmx ws extension swaps every fragment the server sends by id and
 * reconnects by itself only after codes 1006, 1011, 1012 and 1013. This adds:
 * a reconnect after any other close, a visible "reconnecting" state, and a
 * heartbeat that tells the server the last sequence number this page holds,
 * so that the server resends the board when a message was lost.
 */
(function () {
  "use strict";
  var SESSION_ENDED = 4401;
  var ACCOUNT_STOPPED = 4402;
  var NOT_ALLOWED = 4403;
  var STALE = 4000;
  var RETRIED_BY_HTMX = [1006, 1011, 1012, 1013];
  var heartbeat = null;
  var lastMessageAt = 0;
  var heldBack = false;
  var loggingOut = false;

  // A board shown a floor at a time is sent the changed rooms of every
  // floor (one message for all its tablets); those of another floor have no
  // place on this page. They are dropped here, before htmx would report each
  // one as an error. A message as long as a whole board (a snapshot) is
  // left alone: its parts are always on the page, and reading it twice would
  // cost a tablet more than it saves.
  var FILTERED_UP_TO = 65536;
  htmx.defineExtension("live-targets", {
    transformResponse: function (text) {
      if (text.length > FILTERED_UP_TO) return text;
      var parsed = document.createElement("template");
      parsed.innerHTML = text;
      var dropped = false;
      Array.prototype.slice.call(parsed.content.children).forEach(function (part) {
        if (part.id && !document.getElementById(part.id)) {
          part.remove();
          dropped = true;
        }
      });
      return dropped ? parsed.innerHTML : text;
    },
  });

  // Someone is typing into a field inside this element: swapping it would
  // throw their words away.
  function holdsWords(el) {
    return el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && !/^(hidden|button|submit|checkbox|radio|file)$/.test(el.type));
  }
  function typingIn(target) {
    var el = document.activeElement;
    if (!el || !target || !target.contains(el) || !el.value) return false;
    return holdsWords(el);
  }

  // A live fragment (a change, or what the server's board clock sends when
  // time alone changed the board) that would replace what is being typed
  // waits: the next heartbeat asks for the whole board again, and it goes in
  // once the field is left.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    if (keepsEdits(event.detail.target)) return;  // its rows look after themselves (below)
    if (typingIn(event.detail.target)) {
      event.detail.shouldSwap = false;
      heldBack = true;
    }
  });

  // A fragment swapped in (over the socket, or the whole board after a lost
  // message) must not undo what the reader did: lists scrolled down go back
  // where they were, and words typed into a field but left unsent stay. Kept
  // from just before a swap to just after it, by the field's id, or by its
  // form's address and its name (a tube's barcode box has no id; a push that
  // lands while the nurse's finger is on "record sample", the box no longer
  // focused, must not send the sample without it).
  var scrolled = {};
  var typed = {};
  function fieldKey(el) {
    if (el.id) return "#" + CSS.escape(el.id);
    var action = el.form && el.form.getAttribute("action");
    if (!action || !el.name) return null;
    var key = 'form[action="' + CSS.escape(action) + '"] [name="' + CSS.escape(el.name) + '"]';
    // Two forms to one address (a list of the same form): neither is told apart, neither is kept.
    return document.querySelectorAll(key).length === 1 ? key : null;
  }
  function keepReaderState(target) {
    if (!target || !target.querySelectorAll) return;
    [target].concat(Array.prototype.slice.call(target.querySelectorAll("[id], input, textarea"))).forEach(function (el) {
      if (el.id && el.scrollTop > 0) scrolled[el.id] = el.scrollTop;
      if (el.closest("[data-keep-edits]")) return;  // kept whole, by row (below)
      // A form being sent (htmx marks it) took its words with it: a push that
      // arrives before its answer does not put them back.
      var sending = el.closest(".htmx-request");
      if (holdsWords(el) && el.value && !sending) {
        var key = fieldKey(el);
        if (key) typed[key] = el.value;
      }
    });
  }
  function restoreReaderState() {
    Object.keys(scrolled).forEach(function (id) {
      var el = document.getElementById(id);
      if (el && el.scrollTop === 0) el.scrollTop = scrolled[id];
    });
    Object.keys(typed).forEach(function (key) {
      var el = document.querySelector(key);
      if (el && !el.value) el.value = typed[key];
    });
    scrolled = {};
    typed = {};
  }
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    if (event.detail.shouldSwap !== false) keepReaderState(event.detail.target);
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    // The answer to a form sent from inside the part it replaces: what was
    // typed into it went with it, and is not put back (a follow-up recorded
    // on the care ledger leaves an empty form, not one to send twice).
    var sent = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (sent && event.detail.target && event.detail.target.contains(sent)) return;
    if (event.detail.shouldSwap) keepReaderState(event.detail.target);
  });
  document.addEventListener("htmx:oobAfterSwap", restoreReaderState);
  document.addEventListener("htmx:afterSwap", restoreReaderState);

  // Rows someone is filling in (the health round: a container marked
  // data-keep-edits, a row with an id per person) are never replaced by a
  // live update. A row typed or tapped into is kept as it is, and so is the
  // row holding the focus unless someone else changed it; everything else in
  // the container (the other rows, rows added or gone) goes in. htmx's
  // hx-preserve keeps the row's element itself: its text and ticks, and its
  // focus where the browser can move an element without dropping it
  // (Element.moveBefore; elsewhere the field is left and tapped again).
  // A kept row that someone else recorded meanwhile (its data-version moved
  // on) says so, since saving it will be refused.
  function keepsEdits(target) {
    return !!(target && target.hasAttribute && target.hasAttribute("data-keep-edits"));
  }
  function rowOf(el) {
    var row = el && el.closest ? el.closest("[data-keep-edits] > [id]") : null;
    return row && keepsEdits(row.parentNode) ? row : null;
  }
  function markEdited(event) {
    var row = rowOf(event.target);
    if (row) row.dataset.edited = "true";
  }
  document.addEventListener("input", markEdited);
  document.addEventListener("change", markEdited);
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    var fragment = event.detail.fragment;
    if (!keepsEdits(target) || !fragment || event.detail.shouldSwap === false) return;
    var focused = rowOf(document.activeElement);
    Array.prototype.forEach.call(target.children, function (row) {
      if (!row.id || !(row.dataset.edited || row === focused)) return;
      var incoming = fragment.querySelector("#" + CSS.escape(row.id));
      if (!incoming) return;
      var changed = incoming.dataset.version !== row.dataset.version;
      if (!row.dataset.edited && changed) return;  // only looked at: show the new one
      incoming.setAttribute("hx-preserve", "");
      if (changed) {
        row.dataset.changedElsewhere = "true";
        var note = row.querySelector("[data-changed-note]");
        if (note) note.hidden = false;
      }
    });
  });

  // A result panel that asks to (data-auto-close, in seconds) closes by
  // itself, unless it holds a form or another result replaced it meanwhile.
  document.addEventListener("htmx:afterSwap", function (event) {
    var panel = event.detail.target;
    if (!panel || panel.id !== "panel" || !panel.dataset.autoClose || panel.querySelector("form")) return;
    var shown = panel.firstElementChild;
    if (!shown) return;
    setTimeout(function () {
      if (panel.firstElementChild === shown) panel.innerHTML = "";
    }, parseFloat(panel.dataset.autoClose) * 1000);
  });

  // Nobody scrolls a wall display: a room grid of more floors than the wall
  // holds (data-page-seconds) pages through them by itself, by its height
  // less a floor, back to the first floor after the last. A tap, the wheel
  // or a key on it holds it where it is for a minute. Where the grid does
  // not scroll inside itself (a tablet scrolls the page) nothing moves.
  var pagedAt = Date.now();
  var heldUntil = 0;
  ["pointerdown", "wheel", "keydown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      if (event.target.closest && event.target.closest("#room-grid")) heldUntil = Date.now() + 60000;
    }, { passive: true });
  });
  setInterval(function () {
    var grid = document.getElementById("room-grid");
    var seconds = grid && parseFloat(grid.dataset.pageSeconds);
    var now = Date.now();
    if (!seconds || now < heldUntil || now - pagedAt < seconds * 1000) return;
    pagedAt = now;
    if (grid.scrollHeight <= grid.clientHeight + 1) return;
    var row = grid.querySelector(".floor-row");
    var step = Math.max(grid.clientHeight - (row ? row.offsetHeight : 0), grid.clientHeight / 2);
    var last = grid.scrollTop + grid.clientHeight >= grid.scrollHeight - 1;
    var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    grid.scrollTo({ top: last ? 0 : grid.scrollTop + step, behavior: still ? "auto" : "smooth" });
  }, 500);

  // A request that failed (no network, no answer in time, refused, the
  // server failing) swaps nothing in, so the page would look as if the tap
  // did nothing: say what happened, above everything, until the next request
  // succeeds or it is closed. What was typed stays where it was.
  function failed(what, note, action) {
    var box = document.getElementById("request-failed");
    if (!box) return;
    box.querySelector(".what").textContent = what;
    box.querySelector(".note").textContent = note || "";
    var link = box.querySelector("a");
    link.hidden = !action;
    if (action) {
      link.href = action.href;
      link.textContent = action.text;
    }
    box.hidden = false;
  }
  document.addEventListener("htmx:sendError", function () {
    var box = document.getElementById("request-failed");
    if (box) failed(box.dataset.network);
  });
  document.addEventListener("htmx:timeout", function () {
    var box = document.getElementById("request-failed");
    if (box) failed(box.dataset.timeout);
  });
  document.addEventListener("htmx:responseError", function (event) {
    var box = document.getElementById("request-failed");
    var xhr = event.detail.xhr;
    if (!box) return;
    if (xhr.status >= 500) {
      failed(box.dataset.server);  // a proxy's page or ours: it may have been recorded
      return;
    }
    // The server's refusals name themselves ([data-request-error] on its
    // error pages; a short plain-text answer is its own words).
    var what = "";
    var action = null;
    var type = xhr.getResponseHeader("Content-Type") || "";
    if (type.indexOf("text/html") === 0) {
      var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var said = page.querySelector("[data-request-error]");
      var link = page.querySelector("a[data-request-error-action]");
      if (said) what = said.textContent.trim();
      var href = link && link.getAttribute("href");
      if (href && href.charAt(0) === "/" && href.charAt(1) !== "/") action = { href: href, text: link.textContent.trim() };
    } else if (type.indexOf("text/plain") === 0 && xhr.responseText.length < 300) {
      what = xhr.responseText.trim();
    }
    failed(what || box.dataset.refused, box.dataset.unchanged, action);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var box = document.getElementById("request-failed");
    if (box && event.detail.successful) box.hidden = true;
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-close-alert]")) document.getElementById("request-failed").hidden = true;
  });

  function setState(state) {
    document.body.dataset.live = state;
  }

  function currentSeq() {
    var el = document.getElementById("live-seq");
    return el ? parseInt(el.dataset.seq || "0", 10) : -1;
  }

  document.addEventListener("htmx:wsConnecting", function () {
    if (document.body.dataset.live !== "live") setState("reconnecting");
  });

  document.addEventListener("htmx:wsOpen", function (event) {
    var socket = event.detail.event.target;
    var wrapper = event.detail.socketWrapper;
    var seconds = parseFloat(event.target.dataset.heartbeatSeconds || "10");
    setState("live");
    lastMessageAt = Date.now();
    clearInterval(heartbeat);
    heartbeat = setInterval(function () {
      // A socket that stays silent through three heartbeats is dead even
      // if the browser has not noticed (Wi-Fi roaming): drop and reopen it.
      if (Date.now() - lastMessageAt > seconds * 3000) {
        socket.close(STALE);
        return;
      }
      // A fragment held back while someone typed: ask for the whole board.
      wrapper.send(JSON.stringify({ type: "heartbeat", seq: heldBack ? -1 : currentSeq() }));
      heldBack = false;
    }, seconds * 1000);
  });

  document.addEventListener("htmx:wsAfterMessage", function () {
    lastMessageAt = Date.now();
    setState("live");
    // Rows a change took off a list (a check-in takes a person off the
    // expected arrivals): the server names them rather than resend the list.
    var remove = document.getElementById("live-remove");
    if (remove && remove.dataset.remove) {
      remove.dataset.remove.split(" ").forEach(function (id) {
        var row = document.getElementById(id);
        if (row) row.remove();
      });
      remove.dataset.remove = "";
    }
  });

  document.addEventListener("htmx:wsClose", function (event) {
    clearInterval(heartbeat);
    var code = event.detail.event.code;
    if (code === SESSION_ENDED && loggingOut) return;  // the log out's own page follows
    if (code === SESSION_ENDED) {
      // To the login, saying why, and back to this board after it, with
      // what was typed and not sent (below).
      saveDrafts();
      var back = window.location.pathname + window.location.search;
      window.location.href = document.body.dataset.loginUrl + "?ended=1&next=" + encodeURIComponent(back);
      return;
    }
    if (code === ACCOUNT_STOPPED) {
      // The login page says the account is stopped and whom to ask.
      window.location.href = document.body.dataset.loginUrl + "?stopped=1";
      return;
    }
    if (code === NOT_ALLOWED) {
      setState("refused");
      return;
    }
    setState("reconnecting");
    if (RETRIED_BY_HTMX.indexOf(code) < 0 && document.getElementById("live-socket")) {
      var wrapper = event.detail.socketWrapper;
      setTimeout(function () { wrapper.reconnect(); }, 500 + Math.random() * 1000);
    }
  });

  // Buttons of other groups are hidden; the server refuses them anyway.
  // [data-unless]: hidden too for these flags (the medical group's link to
  // a person, where the site head and the general group have their own).
  function hideForeignActions(root) {
    var flags = (document.body.dataset.flags || "").split(" ");
    function any(list) { return list.split(" ").some(function (f) { return flags.indexOf(f) >= 0; }); }
    root.querySelectorAll("[data-requires]").forEach(function (el) {
      el.hidden = !any(el.dataset.requires) || (el.dataset.unless !== undefined && any(el.dataset.unless));
    });
  }

  // Ages and staleness move with the clock, not with changes, so the page
  // keeps them current itself: [data-since] shows how long ago (Unix
  // seconds), [data-stale-at] turns "stale" once its moment (Unix seconds) passed.
  function refreshClock(root) {
    var now = Date.now() / 1000;
    var lang = document.documentElement.lang || undefined;
    var relative = window.Intl && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(lang, { style: "short" }) : null;
    if (relative) {
      root.querySelectorAll("[data-since]").forEach(function (el) {
        var minutes = Math.max(0, Math.floor((now - parseInt(el.dataset.since, 10)) / 60));
        el.textContent = minutes < 60 ? relative.format(-minutes, "minute")
          : minutes < 2880 ? relative.format(-Math.floor(minutes / 60), "hour")
          : relative.format(-Math.floor(minutes / 1440), "day");
      });
    }
    root.querySelectorAll("[data-stale-at]").forEach(function (el) {
      el.classList.toggle("stale", now >= parseInt(el.dataset.staleAt, 10));
    });
  }
  // A login lasts a shift: ten minutes before it ends, say so, while what is
  // being typed can still be saved (the socket then ends, and the page goes
  // to the login page, with the session).
  var SESSION_WARNING_MS = 10 * 60 * 1000;
  function warnSessionEnding() {
    var note = document.getElementById("session-ending");
    if (!note) return;
    var ends = parseInt(note.dataset.ends || "0", 10) * 1000;
    note.hidden = !(ends && Date.now() >= ends - SESSION_WARNING_MS);
  }
  setInterval(function () { refreshClock(document); warnSessionEnding(); }, 30000);
  document.addEventListener("DOMContentLoaded", warnSessionEnding);

  document.addEventListener("DOMContentLoaded", function () { hideForeignActions(document); refreshClock(document); filterableSelects(document); });
  // A fragment that came over the socket was rendered without a request, so
  // its plain forms carry no CSRF token: give them the page's.
  function csrfForms(root) {
    var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    if (!headers["x-csrftoken"]) return;
    root.querySelectorAll("form[method=post]").forEach(function (form) {
      if (form.querySelector("input[name=csrfmiddlewaretoken]")) return;
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "csrfmiddlewaretoken";
      input.value = headers["x-csrftoken"];
      form.prepend(input);
    });
  }

  // A long select (the rooms of a twenty-floor site at check-in) gets a box
  // above it: typing "15" keeps the options that begin with it, and a single
  // one left is chosen. A tablet's select has no typing of its own.
  function filterableSelects(root) {
    root.querySelectorAll("select[data-filter]").forEach(function (select) {
      if (select.previousElementSibling && select.previousElementSibling.classList.contains("select-filter")) return;
      var all = Array.prototype.slice.call(select.children);
      var box = document.createElement("input");
      box.type = "search";
      box.inputMode = "numeric";
      box.className = "select-filter";
      box.placeholder = select.dataset.filter;
      box.setAttribute("aria-label", select.dataset.filter);
      select.before(box);
      box.addEventListener("input", function () {
        var typed = box.value.trim().toUpperCase();
        var chosen = select.value;
        var keep = function (option) { return !option.value || option.textContent.trim().toUpperCase().indexOf(typed) === 0; };
        select.replaceChildren.apply(select, all.map(function (child) {
          if (child.tagName !== "OPTGROUP") return keep(child) ? child : null;
          var group = child.cloneNode(false);
          Array.prototype.forEach.call(child.querySelectorAll("option"), function (option) { if (keep(option)) group.appendChild(option.cloneNode(true)); });
          return group.children.length ? group : null;
        }).filter(Boolean));
        var left = Array.prototype.filter.call(select.options, function (option) { return option.value; });
        if (left.length === 1) select.value = left[0].value;
        else if (left.some(function (option) { return option.value === chosen; })) select.value = chosen;
      });
    });
  }

  document.addEventListener("htmx:load", function (event) {
    var root = event.detail.elt.parentNode || document;
    hideForeignActions(root);
    refreshClock(root);
    csrfForms(root);
    filterableSelects(root);
  });

  // A login that ends while something is typed and not sent (the shift's
  // end, a log out in another tab, a tap answered "log in again") would lose
  // the words with the page. On the way to the login they are kept in this
  // tab's storage, and once the same person is back they go into the same
  // form: on the page, or in the panel it was in, opened again. The form's
  // version goes back too, so a record someone changed meanwhile is still
  // refused, not overwritten. Another person logging in on the tablet, a
  // log out, or an hour passing throws them away.
  var DRAFTS = "site-ops-drafts";
  var DRAFTS_KEPT_MS = 60 * 60 * 1000;
  var NOT_TYPED = /^(submit|button|reset|image|file|password)$/;
  function formKey(form) {
    return form.getAttribute("hx-post") || form.getAttribute("action") || "";
  }
  function isVersion(el) {
    return el.type === "hidden" && /(^|-)version$/.test(el.name);
  }
  function draftFields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && !el.disabled && !NOT_TYPED.test(el.type) && (el.type !== "hidden" || isVersion(el));
    });
  }
  function typedInto(el) {
    if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
    if (el.tagName === "SELECT") {
      var options = Array.prototype.slice.call(el.options);
      var byDefault = options.some(function (o) { return o.defaultSelected; });
      return options.some(function (o, i) { return o.selected !== (byDefault ? o.defaultSelected : i === 0 && !el.multiple); });
    }
    return el.type !== "hidden" && el.value !== el.defaultValue;
  }
  function fieldValue(el) {
    if (el.type === "checkbox" || el.type === "radio") return el.checked;
    if (el.tagName === "SELECT" && el.multiple) {
      return Array.prototype.filter.call(el.options, function (o) { return o.selected; }).map(function (o) { return o.value; });
    }
    return el.value;
  }
  function saveDrafts() {
    var user = document.body.dataset.user;
    if (!user || !window.sessionStorage) return;
    var drafts = [];
    document.querySelectorAll("main form").forEach(function (form) {
      var fields = draftFields(form);
      if (!formKey(form) || !fields.some(typedInto)) return;
      var panel = form.closest("#panel");
      drafts.push({
        key: formKey(form),
        panel: (panel && panel.dataset.openedFrom) || "",
        fields: fields.map(function (el) { return { name: el.name, option: el.type === "checkbox" || el.type === "radio" ? el.value : null, value: fieldValue(el) }; }),
      });
    });
    if (!drafts.length) return;
    var page = window.location.pathname + window.location.search;
    sessionStorage.setItem(DRAFTS, JSON.stringify({ user: user, at: Date.now(), page: page, drafts: drafts }));
  }
  function savedDrafts() {
    if (!window.sessionStorage) return null;
    var saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(DRAFTS) || "null"); } catch (e) { saved = null; }
    if (saved && saved.drafts && Date.now() - saved.at <= DRAFTS_KEPT_MS) return saved;
    sessionStorage.removeItem(DRAFTS);  // spoilt or too old: on the login page too
    return null;
  }
  function fillDraft(form, fields) {
    var seen = {};
    fields.forEach(function (field) {
      var el;
      if (field.option !== null) {
        el = Array.prototype.find.call(form.elements, function (e) { return e.name === field.name && e.value === field.option; });
        if (el) el.checked = field.value;
      } else {
        var nth = seen[field.name] = (seen[field.name] || 0) + 1;
        el = Array.prototype.filter.call(form.elements, function (e) { return e.name === field.name; })[nth - 1];
        if (el && el.tagName === "SELECT" && el.multiple) {
          Array.prototype.forEach.call(el.options, function (o) { o.selected = field.value.indexOf(o.value) >= 0; });
        } else if (el) {
          el.value = field.value;
        }
      }
      if (el) {
        el.dispatchEvent(new Event("input", { bubbles: true }));
        el.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
    var note = document.getElementById("draft-restored");
    if (note) form.prepend(note.content.cloneNode(true));
  }
  function restoreDrafts(root, reopen) {
    var user = document.body.dataset.user;
    if (!user) return;  // the login page: kept for whoever logs in next
    var saved = savedDrafts();
    if (!saved) return;
    if (saved.user !== user) {
      sessionStorage.removeItem(DRAFTS);
      return;
    }
    var forms = Array.prototype.slice.call(root.querySelectorAll("main form"));
    if (root.matches && root.matches("form")) forms.push(root);
    saved.drafts = saved.drafts.filter(function (draft) {
      var form = forms.find(function (f) { return formKey(f) === draft.key; });
      if (form) fillDraft(form, draft.fields);
      return !form;
    });
    var onItsPage = saved.page === window.location.pathname + window.location.search;
    var panel = document.getElementById("panel");
    if (reopen && onItsPage) {
      // Back on the page it was typed on: a form that was in a panel opens
      // there again (and is filled as it comes in); one no longer offered
      // (the task done meanwhile) has nothing left to send.
      var first = saved.drafts.find(function (draft) { return draft.panel && panel; });
      saved.drafts = first ? [first] : [];
      if (first) htmx.ajax("GET", first.panel, { target: "#panel" });
    }
    if (saved.drafts.length) sessionStorage.setItem(DRAFTS, JSON.stringify(saved));
    else sessionStorage.removeItem(DRAFTS);
  }
  // The panel says where it was opened from, for a draft to open it again.
  document.addEventListener("htmx:afterSwap", function (event) {
    var panel = event.detail.target;
    var config = event.detail.requestConfig;
    if (panel && panel.id === "panel" && config && config.verb === "get") panel.dataset.openedFrom = event.detail.pathInfo.requestPath;
  });
  document.addEventListener("DOMContentLoaded", function () {
    restoreDrafts(document, true);
    // The login page says the words are kept.
    var kept = document.getElementById("drafts-kept");
    if (kept && savedDrafts()) kept.hidden = false;
  });
  document.addEventListener("htmx:load", function (event) {
    if (event.detail.elt !== document.body) restoreDrafts(event.detail.elt, false);
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[href]");
    var login = document.body.dataset.loginUrl;
    if (link && login && link.getAttribute("href").indexOf(login) === 0) saveDrafts();
  });
  document.addEventListener("submit", function (event) {
    if (!event.target.hasAttribute("data-log-out")) return;
    loggingOut = true;  // its socket's end is this log out's, not one to keep words for
    if (window.sessionStorage) sessionStorage.removeItem(DRAFTS);
  });

  // Panels (check-in, add an arrival) close with their button or Escape.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-close-panel]")) {
      var panel = document.getElementById("panel");
      if (panel && !panel.classList.contains("page")) {
        panel.innerHTML = "";
      } else {
        window.location.href = "/";
      }
    }
  });
  document.addEventListener("keydown", function (event) {
    var panel = document.getElementById("panel");
    if (event.key === "Escape" && panel && !panel.classList.contains("page")) panel.innerHTML = "";
  });
})();
