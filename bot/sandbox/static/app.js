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

// Photos and voice notes are samples (no file travels); a document is a real file from
// disk, uploaded so the bot can download its bytes, as from Telegram.
// Each has a word beside its icon: a machine without an emoji font shows only boxes.
const MEDIA_BUTTONS = [
  { kind: "photo", icon: "🖼", label: "Photo", title: "Send a sample photo (the text becomes its caption)" },
  { kind: "voice", icon: "🎤", label: "Voice", title: "Send a sample voice note (the text becomes its caption)" },
  { kind: "document", icon: "📎", label: "File", title: "Send a file from your computer (the text becomes its caption)" },
];

function mediaLabel(message) {
  if (message.media === "photo") return "🖼 Photo";
  if (message.media === "voice") return "🎤 Voice note";
  return `📄 ${message.file_name || "Document"}`;
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
    this.mediaButtons = MEDIA_BUTTONS.map(({ kind, icon, label, title }) => el("button", {
      type: "button", className: "attach", "data-role": `send-${kind}`, title, "aria-label": title,
      onclick: () => (kind === "document" ? this.fileInput.click() : this.sendMedia(kind)),
    }, el("span", { className: "icon", "aria-hidden": "true" }, icon), ` ${label}`));
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
      el("div", { className: "composer" }, this.input, this.sendButton),
      el("div", { className: "attachments" }, ...this.mediaButtons, this.fileInput));
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
      message.media === "photo" ? null : el("span", { className: "media-size" }, sizeLabel(message.file_size))));
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
    for (const button of this.mediaButtons) button.disabled = blocked;
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
