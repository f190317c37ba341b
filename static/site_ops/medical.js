/*
 * Alerts that cannot be missed, and printing the release certificate.
 *
 * An open urgent alert (a positive result) turns the page's alarm on: the
 * top bar turns red and a short beep sounds, again every 20 seconds until
 * someone acknowledges it. The beep is WebAudio, so nothing is downloaded;
 * the mute toggle is kept in this browser's localStorage. The page's
 * fragments come over the websocket, so the check runs after each swap.
 * A browser lets a page sound only after someone has touched it: a wall
 * screen reloaded (or the server restarted) would stay silent, so until a
 * touch the toggle says "tap to allow the sound", and the first touch
 * anywhere on the page allows it.
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

  function blocked() {
    return !muted() && audio !== null && audio.state === "suspended";
  }

  function syncToggles() {
    document.querySelectorAll("[data-alert-mute]").forEach(function (button) {
      var off = muted();
      button.setAttribute("aria-pressed", off ? "true" : "false");
      button.classList.toggle("blocked", blocked());
      button.textContent = off ? button.dataset.labelMuted : blocked() ? button.dataset.labelBlocked : button.dataset.labelOn;
    });
  }

  function openAudio() {
    try {
      if (!audio) {
        audio = new (window.AudioContext || window.webkitAudioContext)();
        audio.onstatechange = syncToggles;
      }
    } catch (e) { /* no WebAudio: the alarm is the red bar alone */ }
  }

  // The first touch or key on the page allows the sound; a touch that did
  // so on the toggle itself does not also mute it.
  var justAllowed = false;
  function allowSound() {
    if (!audio || audio.state !== "suspended") return;
    justAllowed = true;
    audio.resume().then(syncToggles, function () {});
  }
  document.addEventListener("pointerdown", allowSound, true);
  document.addEventListener("keydown", allowSound, true);

  function beep() {
    try {
      openAudio();
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
    if (justAllowed) return;
    try { window.localStorage.setItem(KEY, muted() ? "on" : "muted"); } catch (e) { /* private mode */ }
    syncToggles();
  });

  document.addEventListener("click", function () { justAllowed = false; });

  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("[data-alert-mute]") && !muted()) openAudio();
    syncToggles();
    check();
    setInterval(check, 5000);
    if (document.querySelector("[data-autoprint]")) window.print();
  });
  document.addEventListener("htmx:wsAfterMessage", check);
  document.addEventListener("htmx:load", syncToggles);
})();
