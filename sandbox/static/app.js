// gigbot sandbox: chat with the bot as several people. Everything the bot sends is drawn
// as DOM nodes from the text and its entities; nothing from a message is used as HTML.
"use strict";

const state = { bot: null, personas: [], groups: [], persona: null, chat: null, drawn: -1 };
const $ = (id) => document.getElementById(id);

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  if (!response.ok) {
    const text = await response.text();
    toast(text || response.statusText, false);
    throw new Error(text);
  }
  return response.json();
}

function toast(text, alert) {
  if (!text) return;
  if (alert) { window.alert(text); return; }
  const box = $("toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 2500);
}

// --- drawing Telegram's formatted text -------------------------------------------------

const TAGS = {
  bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre",
  blockquote: "blockquote", expandable_blockquote: "blockquote",
};

function formatted(text, entities) {
  // Entities use UTF-16 offsets, which are JavaScript's own string indexes.
  const root = document.createDocumentFragment();
  const sorted = [...entities].sort((a, b) => a.offset - b.offset || b.length - a.length);
  build(root, text, 0, text.length, sorted);
  return root;
}

function build(parent, text, start, end, entities) {
  let at = start;
  let index = 0;
  while (index < entities.length) {
    const entity = entities[index];
    if (entity.offset >= end) break;
    if (entity.offset < at) { index += 1; continue; }
    parent.append(text.slice(at, entity.offset));
    const stop = Math.min(entity.offset + entity.length, end);
    const inner = [];
    let next = index + 1;
    while (next < entities.length && entities[next].offset < stop) {
      inner.push(entities[next]);
      next += 1;
    }
    const node = element(entity);
    build(node, text, entity.offset, stop, inner);
    parent.append(node);
    at = stop;
    index = next;
  }
  parent.append(text.slice(at, end));
}

function element(entity) {
  if (entity.type === "text_link" || entity.type === "url") {
    const link = document.createElement("a");
    const href = entity.url || "";
    if (/^https?:\/\//.test(href)) link.href = href;
    link.target = "_blank";
    link.rel = "noopener";
    link.addEventListener("click", (event) => {
      if (openStartLink(href)) event.preventDefault();
    });
    return link;
  }
  if (entity.type === "spoiler") {
    const span = document.createElement("span");
    span.className = "spoiler";
    span.addEventListener("click", () => span.classList.add("shown"));
    return span;
  }
  return document.createElement(TAGS[entity.type] || "span");
}

// --- the chat ---------------------------------------------------------------------------

async function draw() {
  if (state.persona === null) return;
  const data = await api(`/api/messages?persona=${state.persona}&chat=${state.chat}`);
  const list = $("messages");
  list.replaceChildren();
  let keyboard = [];
  for (const message of data.messages) {
    list.append(bubble(message));
    if (message.from_bot && message.keyboard.length) keyboard = message.keyboard;
  }
  drawKeyboard(state.chat === state.persona ? keyboard : []);
  list.scrollTop = list.scrollHeight;
  state.drawn = data.seq;
}

function bubble(message) {
  const item = document.createElement("li");
  item.className = message.from_bot ? "bot" : "mine";
  item.dataset.id = message.id;
  const sender = document.createElement("span");
  sender.className = "sender";
  sender.textContent = message.sender;
  item.append(sender);
  if (message.photo) {
    const image = document.createElement("img");
    image.src = message.photo;
    image.alt = "photo";
    item.append(image);
  }
  if (message.location) {
    item.append(`📍 ${message.location.latitude.toFixed(5)}, ${message.location.longitude.toFixed(5)}`);
  }
  if (message.venue) item.append(`📍 ${message.venue.title} — ${message.venue.address}`);
  if (message.contact) item.append(`👤 ${message.contact}`);
  if (message.invoice) item.append(invoiceBox(message));
  item.append(formatted(message.text, message.entities));
  if (message.document) {
    const link = document.createElement("a");
    link.href = message.document.url;
    link.download = message.document.name;
    link.textContent = `📎 ${message.document.name}`;
    item.append(document.createElement("br"), link);
  }
  if (message.edited) {
    const mark = document.createElement("span");
    mark.className = "edited";
    mark.textContent = "edited";
    item.append(mark);
  }
  if (message.inline.length) item.append(inlineKeyboard(message));
  return item;
}

function invoiceBox(message) {
  const invoice = message.invoice;
  const box = document.createElement("div");
  box.className = "invoice";
  const title = document.createElement("strong");
  title.textContent = `🧾 ${invoice.title}`;
  const line = document.createElement("div");
  line.textContent = invoice.description;
  const amount = (invoice.total_amount / 100).toFixed(2); // two decimals: most currencies
  const pay = document.createElement("button");
  pay.type = "button";
  pay.className = "pay";
  pay.textContent = `Pay ${amount} ${invoice.currency} (test)`;
  pay.addEventListener("click", async () => {
    const result = await api("/api/pay", { persona: state.persona, message: message.id });
    if (!result.charged) toast(result.refusal, true);
    await draw();
  });
  box.append(title, line, pay);
  return box;
}

function inlineKeyboard(message) {
  const box = document.createElement("div");
  box.className = "inline";
  for (const row of message.inline) {
    const line = document.createElement("div");
    line.className = "row";
    for (const button of row) {
      const node = document.createElement("button");
      node.type = "button";
      node.textContent = button.text;
      if (button.inline !== undefined) {
        // Telegram opens its chat picker; here the query is typed, to send in a group.
        node.className = "url";
        node.addEventListener("click", () => {
          $("text").value = `@${state.bot ? state.bot.username : "bot"} ${button.inline}`;
          $("text").focus();
          inlineQuery().catch(() => {});
        });
      } else if (button.url !== undefined) {
        node.className = "url";
        node.dataset.url = button.url;
        node.addEventListener("click", () => {
          if (!openStartLink(button.url)) window.open(button.url, "_blank", "noopener");
        });
      } else {
        node.dataset.callback = button.data;
        node.addEventListener("click", () => press(message.id, button.data));
      }
      line.append(node);
    }
    box.append(line);
  }
  return box;
}

function drawKeyboard(rows) {
  const box = $("keyboard");
  box.replaceChildren();
  for (const row of rows) {
    const line = document.createElement("div");
    line.className = "row";
    for (const button of row) {
      const node = document.createElement("button");
      node.type = "button";
      node.textContent = button.text;
      node.addEventListener("click", () => replyButton(button));
      line.append(node);
    }
    box.append(line);
  }
}

function openStartLink(url) {
  // t.me/<bot>?start=… opens the private chat with the bot, which gets /start <parameter>.
  const match = /^https:\/\/t\.me\/([A-Za-z0-9_]+)\?start=([A-Za-z0-9_-]{1,64})$/.exec(url || "");
  if (!match || !state.bot || match[1] !== state.bot.username) return false;
  openChat(state.persona).then(() => send(`/start ${match[2]}`));
  return true;
}

// --- acting ---------------------------------------------------------------------------------

async function send(text) {
  await api("/api/send", { persona: state.persona, chat: state.chat, text });
  await draw();
}

async function press(messageId, data) {
  const answer = await api("/api/press", {
    persona: state.persona, chat: state.chat, message: messageId, data,
  });
  toast(answer.text, answer.alert);
  await draw();
}

async function replyButton(button) {
  if (button.kind === "contact") {
    await api("/api/share", { persona: state.persona, kind: "contact" });
    await draw();
  } else if (button.kind === "location") {
    $("location").showModal();
  } else {
    await send(button.text);
  }
}

const MAP = { north: 52.62, south: 52.42, west: 13.2, east: 13.6 }; // a box around Berlin

function mapClick(event) {
  const canvas = $("map");
  const box = canvas.getBoundingClientRect();
  const x = (event.clientX - box.left) / box.width;
  const y = (event.clientY - box.top) / box.height;
  $("latitude").value = (MAP.north - y * (MAP.north - MAP.south)).toFixed(5);
  $("longitude").value = (MAP.west + x * (MAP.east - MAP.west)).toFixed(5);
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = "#d33";
  context.beginPath();
  context.arc(x * canvas.width, y * canvas.height, 5, 0, 2 * Math.PI);
  context.fill();
}

async function shareLocation(event) {
  if (event.target.returnValue !== "share") return;
  const latitude = Number($("latitude").value);
  const longitude = Number($("longitude").value);
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) {
    toast("Type a latitude and a longitude, or click the map.", false);
    return;
  }
  await api("/api/share", { persona: state.persona, latitude, longitude });
  await draw();
}

async function showCommands() {
  const box = $("commands");
  if (!box.hidden) { box.hidden = true; return; }
  const persona = state.personas.find((p) => p.id === state.persona);
  box.replaceChildren();
  for (const command of persona.commands) {
    const node = document.createElement("button");
    node.type = "button";
    node.textContent = `/${command.command} — ${command.description}`;
    node.addEventListener("click", () => { box.hidden = true; send(`/${command.command}`); });
    box.append(node);
  }
  box.hidden = false;
}

async function inlineQuery() {
  // "@bot words" in a group: the bot's inline results, one of which can be sent.
  const text = $("text").value;
  const box = $("inline-results");
  const prefix = state.bot ? `@${state.bot.username} ` : null;
  if (!prefix || state.chat === state.persona || !text.startsWith(prefix)) {
    box.hidden = true;
    return;
  }
  const answer = await api("/api/inline", { persona: state.persona, query: text.slice(prefix.length) });
  box.replaceChildren();
  for (const result of answer.results) {
    const node = document.createElement("button");
    node.type = "button";
    node.textContent = `${result.title} — ${result.description || ""}`;
    node.addEventListener("click", async () => {
      box.hidden = true;
      $("text").value = "";
      await api("/api/inline/choose", { persona: state.persona, chat: state.chat, result: result.id, query: answer.query_id });
      await draw();
    });
    box.append(node);
  }
  box.hidden = answer.results.length === 0;
}

// --- people and chats -------------------------------------------------------------------

function drawPersonas() {
  const nav = $("personas");
  nav.replaceChildren();
  for (const persona of state.personas) {
    const node = document.createElement("button");
    node.type = "button";
    node.textContent = `${persona.name} · ${persona.role} · ${persona.language}`;
    node.title = persona.timezone;
    node.setAttribute("aria-pressed", String(persona.id === state.persona));
    node.addEventListener("click", () => choosePersona(persona.id));
    nav.append(node);
  }
}

function drawChats() {
  const list = $("chats");
  list.replaceChildren();
  const chats = [{ id: state.persona, title: state.bot.name }, ...state.groups];
  for (const chat of chats) {
    const item = document.createElement("li");
    const node = document.createElement("button");
    node.type = "button";
    node.textContent = chat.kind ? `${chat.title} (${chat.kind})` : `🤖 ${chat.title}`;
    node.setAttribute("aria-current", String(chat.id === state.chat));
    node.addEventListener("click", () => openChat(chat.id));
    item.append(node);
    list.append(item);
  }
}

async function openChat(chatId) {
  state.chat = chatId;
  const group = state.groups.find((g) => g.id === chatId);
  $("title").textContent = group ? group.title : state.bot.name;
  drawChats();
  await draw();
}

async function choosePersona(personaId) {
  state.persona = personaId;
  drawPersonas();
  await openChat(personaId);
}

async function start() {
  const data = await api("/api/state");
  Object.assign(state, { bot: data.bot, personas: data.personas, groups: data.groups });
  $("composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = $("text").value.trim();
    if (!text) return;
    $("text").value = "";
    $("inline-results").hidden = true;
    await send(text);
  });
  $("text").addEventListener("input", () => { inlineQuery().catch(() => {}); });
  $("menu").addEventListener("click", showCommands);
  $("map").addEventListener("click", mapClick);
  $("location").addEventListener("close", (event) => { shareLocation(event).catch(() => {}); });
  await choosePersona(data.personas[0].id);
  const events = new EventSource("/api/events");
  events.onmessage = (event) => {
    if (Number(event.data) !== state.drawn) draw().catch(() => {});
  };
}

start();
