// frizon sandbox page: one Telegram-like chat per panel, all fed by one event stream.
// Plain DOM code, no framework: the machine running it may have no internet.
"use strict";

const API = "/sandbox/api";

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "className") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

async function api(path, options = {}) {
  const init = { method: options.method || "GET", headers: {} };
  if (options.form !== undefined) {
    init.body = options.form; // multipart: the browser sets the Content-Type and boundary
  } else if (options.body !== undefined) {
    init.body = JSON.stringify(options.body);
    init.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(API + path, init);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

function toast(text, kind = "") {
  const box = document.querySelector('[data-role="toasts"]');
  const note = el("div", { className: `toast ${kind}`, "data-role": "toast" }, text);
  box.append(note);
  // An alert stays until clicked, like Telegram's show_alert dialog.
  if (kind === "alert") note.addEventListener("click", () => note.remove());
  else setTimeout(() => note.remove(), kind === "error" ? 6000 : 3000);
}

// The sandbox's clock zone (the clock line's): message times are shown in it, so a
// message sent after "Advance one week" reads as the sandbox's time, not this computer's.
let clockZone = "UTC";

function timeOf(unixSeconds) {
  const when = new Date(unixSeconds * 1000);
  const day = when.toLocaleDateString("en-GB", { timeZone: clockZone, weekday: "short", day: "2-digit", month: "short" });
  const time = when.toLocaleTimeString("en-GB", { timeZone: clockZone, hour: "2-digit", minute: "2-digit" });
  return `${day} ${time}`;
}

async function showClock() {
  try {
    const clock = await api("/clock");
    clockZone = clock.timezone;
    const line = document.querySelector('[data-role="clock"]');
    line.textContent = clock.line;
    line.hidden = false;
  } catch (error) {
    // the sandbox is restarting; the next refresh shows it
  }
}

function buttonLabel(button) {
  return typeof button === "string" ? button : button.text;
}

function sizeLabel(bytes) {
  if (!bytes) return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

// A photo is a sample (no file travels). A voice note is recorded from the microphone
// or picked from disk, and a document is a real file: both are uploaded so the bot can
// download their bytes, as from Telegram.
// Each has a word beside its icon: a machine without an emoji font shows only boxes.
const MEDIA_BUTTONS = [
  { kind: "photo", icon: "🖼", label: "Photo", title: "Send a sample photo (the text becomes its caption)" },
  { kind: "voice", icon: "🎤", label: "Voice", title: "Record a voice note with your microphone (the text becomes its caption)" },
  { kind: "audio", icon: "🎵", label: "Audio", title: "Send an audio file from your computer as a voice note (the text becomes its caption)" },
  { kind: "document", icon: "📎", label: "File", title: "Send a file from your computer (the text becomes its caption)" },
];

// The most a bot can download (getFile's limit); the sandbox refuses bigger voice notes.
const MAX_VOICE_BYTES = 20 * 1024 * 1024;
// What Chromium records is WebM, Firefox's is Ogg; both hold Opus, as Telegram's notes do.
const RECORDING_TYPES = ["audio/ogg;codecs=opus", "audio/webm;codecs=opus", "audio/webm"];
const AUDIO_FILES = "audio/*,.ogg,.oga,.opus,.mp3,.m4a,.wav,.webm,.flac";

function clockLabel(seconds) {
  const whole = Math.max(0, Math.round(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

function megabytes(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function microphoneTrouble(error) {
  // getUserMedia's errors, in words a person can act on.
  const instead = "You can send an audio file with “Audio” instead.";
  if (error && error.name === "NotAllowedError") {
    return `The browser was not allowed to use the microphone. Allow it for this page, then press “Voice” again. ${instead}`;
  }
  if (error && (error.name === "NotFoundError" || error.name === "OverconstrainedError")) {
    return `No microphone was found on this computer. ${instead}`;
  }
  if (error && error.name === "NotReadableError") {
    return `The microphone is busy in another program. ${instead}`;
  }
  return `Recording did not start (${error && error.message ? error.message : "no microphone"}). ${instead}`;
}

function measuredSeconds(file) {
  // How long a picked file plays, as the browser reads it; null if it cannot tell soon.
  return new Promise((resolve) => {
    const url = URL.createObjectURL(file);
    const probe = new Audio();
    const done = (seconds) => { URL.revokeObjectURL(url); resolve(seconds); };
    const timer = setTimeout(() => done(null), 3000);
    probe.addEventListener("loadedmetadata", () => {
      clearTimeout(timer);
      done(Number.isFinite(probe.duration) ? probe.duration : null);
    });
    probe.addEventListener("error", () => { clearTimeout(timer); done(null); });
    probe.preload = "metadata";
    probe.src = url;
  });
}

function mediaLabel(message) {
  if (message.media === "photo") return "🖼 Photo";
  if (message.media === "voice") return "🎤 Voice note";
  return `📄 ${message.file_name || "Document"}`;
}

function voiceDetails(message) {
  // A sample voice note has made-up bytes: it says so rather than offer silence to play.
  const length = message.duration ? clockLabel(message.duration) : "";
  return message.file_url ? length : `${length} · sample, no sound`;
}

class ChatPanel {
  constructor(panel) {
    this.panel = panel;
    this.userId = panel.user_id;
    this.messages = new Map(); // message_id -> element
    this.commands = [];
    this.blocked = false;
    this.root = this.build();
  }

  build() {
    const { title, name, suggestion } = this.panel;
    this.transcript = el("div", { className: "transcript", "data-role": "transcript" });
    this.replyKeyboard = el("div", { className: "reply-keyboard", "data-role": "reply-keyboard", hidden: true });
    this.commandList = el("ul", { className: "commands", "data-role": "commands", hidden: true });
    this.blockedNote = el("p", { className: "blocked-note", hidden: true },
      "You blocked the bot. Unblock it to write again.");
    this.input = el("input", {
      type: "text", "data-role": "input", placeholder: "Message", autocomplete: "off",
      "aria-label": `Message as ${name}`,
      oninput: () => this.showCommands(),
      onkeydown: (event) => {
        if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); this.sendInput(); }
        if (event.key === "Escape") this.commandList.hidden = true;
      },
    });
    this.sendButton = el("button", { type: "button", "data-role": "send", onclick: () => this.sendInput() }, "Send");
    this.fileInput = el("input", {
      type: "file", hidden: true, "data-role": "file-input", onchange: () => this.sendChosenFile(),
    });
    this.audioInput = el("input", {
      type: "file", hidden: true, accept: AUDIO_FILES, "data-role": "audio-input",
      onchange: () => this.sendChosenAudio(),
    });
    const actions = {
      photo: () => this.sendMedia("photo"),
      voice: () => this.startRecording(),
      audio: () => this.audioInput.click(),
      document: () => this.fileInput.click(),
    };
    this.mediaButtons = MEDIA_BUTTONS.map(({ kind, icon, label, title }) => el("button", {
      type: "button", className: "attach", "data-role": `send-${kind}`, title, "aria-label": title,
      onclick: actions[kind],
    }, el("span", { className: "icon", "aria-hidden": "true" }, icon), ` ${label}`));
    this.recordingTime = el("span", { className: "recording-time", "data-role": "recording-time" }, "0:00");
    this.recordingStatus = el("span", { className: "recording-status", "data-role": "recording-status" },
      "Starting the microphone…");
    this.recordingSend = el("button", {
      type: "button", className: "recording-send", "data-role": "recording-send",
      title: "Stop and send the voice note", onclick: () => this.finishRecording(),
    }, "Send");
    this.recordingCancel = el("button", {
      type: "button", className: "recording-cancel", "data-role": "recording-cancel",
      title: "Stop and throw the recording away", onclick: () => this.cancelRecording(),
    }, "Cancel");
    this.recorderBar = el("div", {
      className: "recorder", "data-role": "recorder", role: "status", hidden: true,
    }, el("span", { className: "recording-dot", "aria-hidden": "true" }), this.recordingStatus,
    this.recordingTime, this.recordingSend, this.recordingCancel);
    this.recording = null; // the voice note being recorded, from the click to its upload
    this.blockToggle = el("button", {
      type: "button", className: "block-toggle", "data-role": "block-toggle", "aria-pressed": "false",
      onclick: () => this.toggleBlocked(),
    }, "Block bot");
    this.suggestion = suggestion
      ? el("button", { type: "button", className: "suggestion", "data-role": "suggestion",
          title: "Send this", onclick: () => this.sendSuggestion(suggestion) }, suggestion)
      : null;
    return el("section", { className: "panel", "data-panel": title.toLowerCase(), "data-user-id": this.userId },
      el("header", { className: "panel-header" },
        el("div", { className: "avatar", "aria-hidden": "true" }, (name || "?").slice(0, 1).toUpperCase()),
        el("div", { className: "who" },
          el("div", { className: "name", "data-role": "name" }, name),
          el("div", { className: "role" }, title)),
        this.blockToggle),
      this.transcript,
      this.suggestion,
      this.blockedNote,
      this.commandList,
      this.replyKeyboard,
      this.recorderBar,
      el("div", { className: "composer" }, this.input, this.sendButton),
      el("div", { className: "attachments" }, ...this.mediaButtons, this.fileInput, this.audioInput));
  }

  apply(data) {
    for (const message of data.messages) this.renderMessage(message);
    this.commands = data.commands || [];
    this.renderReplyKeyboard(data.reply_keyboard);
    this.setBlocked(data.blocked);
  }

  renderMessage(message) {
    const sender = message.sender;
    const bubble = el("div", { className: "bubble" });
    // safe_html is rendered by the server from Telegram entities: text is escaped and only
    // Telegram's formatting tags appear, so it is safe to insert as HTML.
    bubble.innerHTML = message.safe_html;
    for (const spoiler of bubble.querySelectorAll(".tg-spoiler")) {
      spoiler.addEventListener("click", () => spoiler.classList.add("revealed"));
    }
    if (message.media) {
      // For a photo, voice note or document, safe_html is the caption, shown under the file.
      // A file with real bytes (the bot's chart or export) can be seen or downloaded.
      const label = message.file_url && message.media === "document"
        ? el("a", { className: "media-label", href: message.file_url, download: message.file_name || "",
          "data-role": "download" }, mediaLabel(message))
        : el("span", { className: "media-label" }, mediaLabel(message));
      bubble.prepend(el("div", {
        className: `media media-${message.media}`, "data-role": "media", "data-kind": message.media,
        "data-file-id": message.file_id,
      }, message.file_url && message.media === "photo"
        ? el("a", { href: message.file_url, target: "_blank", rel: "noopener" },
          el("img", { className: "media-image", src: message.file_url, alt: "Photo", "data-role": "image" }))
        : label,
      message.media === "photo" ? null : el("span", { className: "media-size" },
        message.media === "voice" ? voiceDetails(message) : sizeLabel(message.file_size))));
      if (message.media === "voice" && message.file_url) {
        // The stored bytes, served with their audio type; the browser's own player plays them.
        bubble.querySelector('[data-role="media"]').after(el("audio", {
          className: "voice-player", controls: true, preload: "metadata", src: message.file_url,
          "data-role": "voice-player", "aria-label": "Play the voice note",
        }));
      }
    }
    bubble.append(el("div", { className: "meta" },
      `${message.edited ? "edited " : ""}${timeOf(message.date)}`));
    const node = el("div", {
      className: "message", "data-role": "message", "data-sender": sender,
      "data-message-id": message.message_id,
    }, bubble);
    if (sender === "bot" && message.inline_keyboard.length) {
      node.append(this.renderInlineKeyboard(message));
    }
    const existing = this.messages.get(message.message_id);
    if (existing) existing.replaceWith(node); // an edit: same place in the chat
    else this.transcript.append(node);
    this.messages.set(message.message_id, node);
    if (!existing) this.transcript.scrollTop = this.transcript.scrollHeight;
  }

  renderInlineKeyboard(message) {
    const keyboard = el("div", { className: "inline-keyboard" });
    for (const row of message.inline_keyboard) {
      const line = el("div", { className: "inline-row" });
      for (const button of row) {
        const attrs = { type: "button", "data-role": "button" };
        if (button.callback_data !== undefined) {
          attrs["data-callback"] = button.callback_data;
          attrs.onclick = () => this.press(message.message_id, button.callback_data);
        } else if (button.url) {
          attrs.className = "url";
          attrs.title = button.url;
          attrs.onclick = () => window.open(button.url, "_blank", "noopener");
        } else {
          attrs.disabled = true;
          attrs.title = "This kind of button is not simulated in the sandbox";
        }
        line.append(el("button", attrs, button.text));
      }
      keyboard.append(line);
    }
    return keyboard;
  }

  renderReplyKeyboard(markup) {
    this.replyKeyboard.replaceChildren();
    this.replyKeyboard.hidden = !markup;
    if (!markup) return;
    for (const row of markup.keyboard) {
      const line = el("div", { className: "reply-row" });
      for (const button of row) {
        const text = buttonLabel(button);
        line.append(el("button", { type: "button", "data-role": "reply-button", onclick: () => this.send(text) }, text));
      }
      this.replyKeyboard.append(line);
    }
    if (markup.input_field_placeholder) this.input.placeholder = markup.input_field_placeholder;
  }

  showCommands() {
    const text = this.input.value;
    const matches = text.startsWith("/") && !text.includes(" ")
      ? this.commands.filter((c) => `/${c.command}`.startsWith(text.toLowerCase()))
      : [];
    this.commandList.replaceChildren(...matches.map((c) => el("li", {
      "data-role": "command", onclick: () => this.send(`/${c.command}`),
    }, el("span", { className: "command" }, `/${c.command}`), c.description)));
    this.commandList.hidden = matches.length === 0;
  }

  setBlocked(blocked) {
    this.blocked = blocked;
    this.blockToggle.textContent = blocked ? "Unblock bot" : "Block bot";
    this.blockToggle.setAttribute("aria-pressed", String(blocked));
    this.blockedNote.hidden = !blocked;
    this.input.disabled = blocked;
    this.sendButton.disabled = blocked;
    this.showRecorder();
    if (blocked && this.recording) this.cancelRecording();
  }

  showRecorder() {
    // While a voice note is recorded or sent, the other attachments wait; so does Voice.
    const busy = this.recording !== null;
    for (const button of this.mediaButtons) button.disabled = this.blocked || busy;
    this.recorderBar.hidden = !busy;
    if (!busy) return;
    const { stage } = this.recording;
    this.recorderBar.dataset.stage = stage;
    this.recordingStatus.textContent = {
      starting: "Starting the microphone…", recording: "Recording", sending: "Sending the voice note…",
    }[stage];
    this.recordingSend.disabled = stage !== "recording";
    this.recordingCancel.disabled = stage === "sending";
  }

  async startRecording() {
    if (this.recording || this.blocked) return; // a second click while one is under way
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.MediaRecorder) {
      toast("This browser cannot record here: recording needs a page opened as localhost or https. "
        + "You can send an audio file with “Audio” instead.", "error");
      return;
    }
    const recording = { stage: "starting", chunks: [], stream: null, recorder: null, started: 0, timer: null };
    this.recording = recording;
    this.showRecorder();
    try {
      recording.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (error) {
      if (this.recording === recording) { this.recording = null; this.showRecorder(); toast(microphoneTrouble(error), "error"); }
      return;
    }
    if (this.recording !== recording) { // cancelled while the browser asked for the microphone
      recording.stream.getTracks().forEach((track) => track.stop());
      return;
    }
    const mimeType = RECORDING_TYPES.find((type) => MediaRecorder.isTypeSupported(type));
    recording.recorder = new MediaRecorder(recording.stream, mimeType ? { mimeType } : {});
    recording.recorder.addEventListener("dataavailable", (event) => {
      if (event.data.size) recording.chunks.push(event.data);
    });
    recording.recorder.start();
    recording.started = performance.now();
    recording.stage = "recording";
    recording.timer = setInterval(() => {
      this.recordingTime.textContent = clockLabel((performance.now() - recording.started) / 1000);
    }, 250);
    this.recordingTime.textContent = "0:00";
    this.showRecorder();
  }

  stopRecorder(recording) {
    // The recorder's last data and its stop come after stop(); the microphone is let go.
    clearInterval(recording.timer);
    const stopped = new Promise((resolve) => {
      if (!recording.recorder || recording.recorder.state === "inactive") resolve();
      else recording.recorder.addEventListener("stop", () => resolve(), { once: true });
    });
    if (recording.recorder && recording.recorder.state !== "inactive") recording.recorder.stop();
    if (recording.stream) recording.stream.getTracks().forEach((track) => track.stop());
    return stopped;
  }

  async finishRecording() {
    const recording = this.recording;
    if (!recording || recording.stage !== "recording") return; // a second click on Send
    recording.stage = "sending";
    this.showRecorder();
    const seconds = (performance.now() - recording.started) / 1000;
    await this.stopRecorder(recording);
    const type = (recording.recorder.mimeType || "audio/webm").split(";")[0];
    const blob = new Blob(recording.chunks, { type });
    if (!blob.size) {
      toast("Nothing was recorded: the microphone gave no sound. Try again, or send an audio file with “Audio”.", "error");
    } else {
      await this.uploadVoice(blob, `voice.${type === "audio/ogg" ? "ogg" : "webm"}`, seconds);
    }
    this.recording = null;
    this.showRecorder();
  }

  cancelRecording() {
    const recording = this.recording;
    if (!recording || recording.stage === "sending") return;
    this.recording = null;
    this.stopRecorder(recording);
    this.showRecorder();
    toast("Recording thrown away; nothing was sent.");
  }

  async sendChosenAudio() {
    const file = this.audioInput.files[0];
    this.audioInput.value = ""; // so choosing the same file again still fires
    if (!file || this.recording) return;
    if (!file.size) {
      toast("That file is empty; there is nothing in it to play.", "error");
      return;
    }
    if (file.size > MAX_VOICE_BYTES) {
      toast(`“${file.name}” is ${megabytes(file.size)}; a voice note can be at most 20 MB, the most a bot can download. Choose a shorter recording.`, "error");
      return;
    }
    if (file.type && !file.type.startsWith("audio/") && !["video/webm", "video/ogg"].includes(file.type)) {
      toast(`“${file.name}” is not a sound recording, so it cannot go as a voice note. Choose an audio file (Ogg, Opus, MP3, M4A, WAV or WebM), or record one with “Voice”.`, "error");
      return;
    }
    const recording = { stage: "sending" }; // one upload at a time, as for a recording
    this.recording = recording;
    this.showRecorder();
    this.recordingTime.textContent = "";
    await this.uploadVoice(file, file.name, await measuredSeconds(file));
    this.recording = null;
    this.showRecorder();
  }

  async uploadVoice(blob, name, seconds) {
    const form = new FormData();
    form.append("file", blob, name);
    if (seconds !== null && Number.isFinite(seconds)) form.append("duration", String(seconds));
    const caption = this.input.value.trim();
    if (caption) form.append("caption", caption);
    try {
      await api(`/chats/${this.userId}/voice`, { method: "POST", form });
      if (caption && this.input.value.trim() === caption) this.input.value = "";
    } catch (error) {
      toast(error.message, "error");
    }
  }

  async sendInput() {
    const text = this.input.value.trim();
    if (!text) return;
    if (await this.send(text)) this.input.value = "";
    this.commandList.hidden = true;
    this.input.focus();
  }

  async send(text) {
    try {
      await api(`/chats/${this.userId}/messages`, { method: "POST", body: { text } });
      return true;
    } catch (error) {
      toast(error.message, "error");
      return false;
    }
  }

  async sendMedia(kind, extra = {}) {
    // The typed text, if any, goes along as the caption.
    const caption = this.input.value.trim();
    try {
      await api(`/chats/${this.userId}/media`,
        { method: "POST", body: { kind, caption: caption || null, ...extra } });
      this.input.value = "";
    } catch (error) {
      toast(error.message, "error");
    }
    this.commandList.hidden = true;
    this.input.focus();
  }

  async sendChosenFile() {
    const file = this.fileInput.files[0];
    this.fileInput.value = ""; // so choosing the same file again still fires
    if (!file) return;
    if (!file.size) {
      toast("That file is empty; Telegram sends only files with something in them.", "error");
      return;
    }
    const form = new FormData();
    form.append("file", file, file.name);
    const caption = this.input.value.trim();
    if (caption) form.append("caption", caption);
    try {
      await api(`/chats/${this.userId}/document`, { method: "POST", form });
      this.input.value = "";
    } catch (error) {
      toast(error.message, "error");
    }
    this.commandList.hidden = true;
    this.input.focus();
  }

  async sendSuggestion(text) {
    // A suggestion is a one-off first step (e.g. "/start <token>"): it goes once sent.
    if (await this.send(text)) this.suggestion.remove();
  }

  async press(messageId, data) {
    try {
      const result = await api(`/chats/${this.userId}/callback`,
        { method: "POST", body: { message_id: messageId, data } });
      const answer = result.answer;
      if (answer && answer.text) toast(answer.text, answer.show_alert ? "alert" : "");
      if (answer && answer.url) window.open(answer.url, "_blank", "noopener");
    } catch (error) {
      toast(error.message, "error");
    }
  }

  async toggleBlocked() {
    try {
      const result = await api(`/chats/${this.userId}/block`, { method: "POST", body: { blocked: !this.blocked } });
      this.setBlocked(result.blocked);
    } catch (error) {
      toast(error.message, "error");
    }
  }
}

const chats = new Map(); // user id -> ChatPanel
const early = new Map(); // user id -> news that came before its panel did ("New chat as")

function addPanel(panel) {
  document.querySelector('[data-role="empty"]').hidden = true;
  const chat = new ChatPanel(panel);
  document.querySelector('[data-role="panels"]').append(chat.root);
  chats.set(chat.userId, chat);
  for (const data of early.get(chat.userId) || []) chat.apply(data);
  early.delete(chat.userId);
}

let sandboxInstance = null; // which run of the sandbox this page talks to

function listen() {
  // One connection for every chat: a browser opens only six per host, so a long poll
  // per chat made sends wait once a few chats were open. EventSource reconnects by
  // itself (a restart) and tells the server the last batch it saw (Last-Event-ID).
  const events = new EventSource(`${API}/events`);
  events.addEventListener("instance", (event) => {
    const { instance } = JSON.parse(event.data);
    if (sandboxInstance !== null && instance !== sandboxInstance) window.location.reload();
  });
  events.addEventListener("chat", (event) => {
    const data = JSON.parse(event.data);
    const chat = chats.get(data.user_id);
    if (chat) chat.apply(data);
    else early.set(data.user_id, [...(early.get(data.user_id) || []), data]);
  });
}

async function waitForRestart() {
  // The sandbox stops and starts again; reload once a new run answers.
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    try {
      const { instance } = await api("/panels");
      if (instance !== sandboxInstance) break;
    } catch (error) {
      // still restarting
    }
  }
  window.location.reload();
}

async function runControl(control, button, result) {
  button.disabled = true;
  try {
    const data = await api(`/controls/${encodeURIComponent(control.name)}`, { method: "POST" });
    result.textContent = data.text;
    result.hidden = false;
    await showClock();
    if (control.reload) await waitForRestart();
  } catch (error) {
    toast(error.message, "error");
  } finally {
    button.disabled = false;
  }
}

function askFirst(control, button, result) {
  // One question in the page, not a browser dialog: the control runs only on "Yes".
  const bar = document.querySelector('[data-role="controls"]');
  bar.querySelector('[data-role="confirm"]')?.remove();
  const box = el("div", { className: "confirm", "data-role": "confirm", role: "alertdialog" },
    el("span", {}, control.confirm),
    el("button", { type: "button", "data-role": "confirm-yes", onclick: () => { box.remove(); runControl(control, button, result); } },
      `Yes, ${control.label.toLowerCase()}`),
    el("button", { type: "button", "data-role": "confirm-no", onclick: () => box.remove() }, "Cancel"));
  bar.append(box);
}

async function loadControls() {
  const bar = document.querySelector('[data-role="controls"]');
  const result = document.querySelector('[data-role="control-result"]');
  const { controls } = await api("/controls");
  for (const control of controls) {
    const button = el("button", { type: "button", "data-role": "control", "data-control": control.name }, control.label);
    button.addEventListener("click", () => (control.confirm ? askFirst(control, button, result) : runControl(control, button, result)));
    bar.insertBefore(button, bar.querySelector('[data-role="add-user"]'));
  }
}

function wireAddUser() {
  const form = document.querySelector('[data-role="add-user"]');
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const firstName = form.elements.first_name.value.trim();
    if (!firstName) return;
    try {
      const user = await api("/users", { method: "POST", body: { first_name: firstName } });
      addPanel({ title: "Guest", user_id: user.id, name: user.first_name, suggestion: "/start" });
      form.reset();
    } catch (error) {
      toast(error.message, "error");
    }
  });
}

async function main() {
  wireAddUser();
  await showClock(); // before the chats, so their times are in the clock's zone
  setInterval(showClock, 30000);
  try {
    await loadControls();
    const { panels, instance } = await api("/panels");
    sandboxInstance = instance;
    panels.forEach(addPanel);
    listen();
  } catch (error) {
    toast(`Could not reach the sandbox: ${error.message}`, "error");
  }
}

main();
