/*
 * Alerts that cannot be missed, and printing the release certificate.
 *
 * An open urgent alert (a positive result) turns the page's alarm on: the
 * top bar turns red and a short beep sounds, again every 20 seconds until
 * someone acknowledges it. The beep is WebAudio, so nothing is downloaded;
 * the mute toggle is kept in this browser's localStorage. The page's
 * fragments come over the websocket, so the check runs after each swap.
 */
(function () {
  "use strict";
  var KEY = "site-ops.alert-sound";
  var REPEAT_MS = 20000;
  var heard = {};
  var audio = null;
  var lastBeep = 0;

  function muted() {
    try { return window.localStorage.getItem(KEY) === "muted"; } catch (e) { return false; }
  }

  function syncToggles() {
    document.querySelectorAll("[data-alert-mute]").forEach(function (button) {
      var off = muted();
      button.setAttribute("aria-pressed", off ? "true" : "false");
      button.textContent = off ? button.dataset.labelMuted : button.dataset.labelOn;
    });
  }

  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") audio.resume();
      [0, 0.3, 0.6].forEach(function (at) {
        var tone = audio.createOscillator();
        var gain = audio.createGain();
        tone.type = "square";
        tone.frequency.value = 880;
        gain.gain.value = 0.12;
        tone.connect(gain);
        gain.connect(audio.destination);
        tone.start(audio.currentTime + at);
        tone.stop(audio.currentTime + at + 0.18);
      });
      return "played";
    } catch (e) {
      return "unavailable";
    }
  }

  function check() {
    var urgent = document.querySelectorAll("[data-alert-urgent]");
    document.body.dataset.alarm = urgent.length ? "on" : "off";
    if (!urgent.length) return;
    var fresh = false;
    urgent.forEach(function (el) {
      if (!heard[el.dataset.alertId]) { heard[el.dataset.alertId] = true; fresh = true; }
    });
    if (fresh || Date.now() - lastBeep > REPEAT_MS) {
      lastBeep = Date.now();
      document.body.dataset.alertSound = muted() ? "muted" : beep();
    }
  }

  // A print button (the transfer's handover sheet): no inline handler, which
  // the Content-Security-Policy forbids.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-alert-mute]");
    if (!button) return;
    try { window.localStorage.setItem(KEY, muted() ? "on" : "muted"); } catch (e) { /* private mode */ }
    syncToggles();
  });

  document.addEventListener("DOMContentLoaded", function () {
    syncToggles();
    check();
    setInterval(check, 5000);
    if (document.querySelector("[data-autoprint]")) window.print();
  });
  document.addEventListener("htmx:wsAfterMessage", check);
  document.addEventListener("htmx:load", syncToggles);
})();
