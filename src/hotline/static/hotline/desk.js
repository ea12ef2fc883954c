// The agent workstation: keyboard shortcuts, the outcome sections, the SCOPE-2 referral, and
// knowledge-base search as you type (GET /api/v1/kb/search; a 404 means "not available yet").
(function () {
  "use strict";
  const form = document.getElementById("desk-form");
  if (!form) return;
  const $ = (sel) => form.querySelector(sel);
  const outcomes = Array.from(form.querySelectorAll('input[name="outcome"]'));
  const keys = { t: "ticket", j: "answer", l: "defer", n: "reject", d: "navigate" };

  function showOutcome() {
    const chosen = (outcomes.find((r) => r.checked) || {}).value || "ticket";
    form.querySelectorAll(".when").forEach((el) => {
      el.hidden = el.dataset.when !== chosen;
    });
  }
  function choose(value, focusSel) {
    const radio = outcomes.find((r) => r.value === value);
    if (radio) {
      radio.checked = true;
      showOutcome();
    }
    const target = focusSel && $(focusSel);
    if (target) target.focus();
  }
  outcomes.forEach((r) => r.addEventListener("change", showOutcome));
  showOutcome();

  // SCOPE-2: the referral to read out as soon as a reason is chosen.
  const referrals = JSON.parse(document.getElementById("referrals").textContent || "{}");
  const reason = $("#id_reject_reason");
  const box = $("#referral");
  function showReferral() {
    const item = referrals[reason.value];
    if (!item) {
      box.hidden = true;
      box.textContent = "";
      return;
    }
    box.textContent = "";
    const text = document.createElement("p");
    text.textContent = item.text;
    box.appendChild(text);
    if (item.referral.length) {
      const call = document.createElement("p");
      call.className = "referral-numbers";
      call.textContent = form.dataset.referralText + " " + item.referral.join(" / ");
      box.appendChild(call);
    }
    box.classList.toggle("emergency", Boolean(item.emergency)); // A12: hand over at once
    box.hidden = false;
  }
  reason.addEventListener("change", showReferral);
  showReferral();

  // Suggestion buttons (units) fill their field.
  form.addEventListener("click", (event) => {
    const button = event.target.closest("[data-fill]");
    if (!button) return;
    event.preventDefault();
    const field = $(button.dataset.fill);
    field.value = button.dataset.value;
    field.dispatchEvent(new Event("change", { bubbles: true }));
    field.focus();
  });

  // The suggestion and time-limit panel: a failed refresh says so and never leaves the
  // previous limits standing (they may belong to another type of request).
  const assist = document.getElementById("assist");
  function assistFailed(event) {
    if (event.detail.elt !== assist) return;
    assist.textContent = "";
    const line = document.createElement("p");
    line.className = "error";
    line.setAttribute("role", "alert");
    line.textContent = assist.dataset.failed;
    assist.appendChild(line);
  }
  if (assist) {
    document.body.addEventListener("htmx:responseError", assistFailed);
    document.body.addEventListener("htmx:sendError", assistFailed);
    document.body.addEventListener("htmx:timeout", assistFailed);
  }

  // Knowledge-base search as you type, with the matched words highlighted.
  const content = $("#id_content");
  const status = document.getElementById("kb-status");
  const list = document.getElementById("kb-results");
  const answer = $("#id_answer");
  const articles = $("#id_articles");
  const cited = document.getElementById("cited-list");
  let results = [];
  let timer = null;
  let seq = 0;

  function terms(query) {
    const found = new Set();
    (query.match(/[\u3400-\u9fff]+|[A-Za-z0-9]{2,}/g) || []).forEach((run) => {
      if (/^[\u3400-\u9fff]+$/.test(run)) {
        if (run.length === 1) return;
        for (let i = 0; i + 2 <= run.length; i++) found.add(run.slice(i, i + 2));
      } else {
        found.add(run.toLowerCase());
      }
    });
    return Array.from(found).sort((a, b) => b.length - a.length);
  }
  function plain(html) {
    return new DOMParser().parseFromString(html || "", "text/html").body.textContent || "";
  }
  function highlight(text, words) {
    const node = document.createDocumentFragment();
    if (!words.length) {
      node.appendChild(document.createTextNode(text));
      return node;
    }
    const pattern = new RegExp(
      "(" + words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|") + ")",
      "gi",
    );
    text.split(pattern).forEach((part, i) => {
      if (i % 2) {
        const mark = document.createElement("mark");
        mark.textContent = part;
        node.appendChild(mark);
      } else if (part) {
        node.appendChild(document.createTextNode(part));
      }
    });
    return node;
  }
  function render(query) {
    list.textContent = "";
    const words = terms(query);
    results.forEach((item, i) => {
      const li = document.createElement("li");
      const title = document.createElement("strong");
      title.appendChild(highlight(plain(item.title), words));
      const snippet = document.createElement("p");
      snippet.className = "snippet";
      snippet.appendChild(highlight(plain(item.snippet), words));
      const use = document.createElement("button");
      use.type = "button";
      use.className = "small";
      use.textContent = form.dataset.kbUse + (i < 5 ? " (Alt+" + (i + 1) + ")" : "");
      use.addEventListener("click", () => useArticle(i));
      li.append(title, " ", use, snippet);
      list.appendChild(li);
    });
    status.textContent = results.length ? "" : form.dataset.kbNone;
  }
  async function search() {
    const query = content.value.trim();
    const mine = ++seq;
    if (query.length < 2) {
      results = [];
      list.textContent = "";
      return;
    }
    try {
      const response = await fetch(
        form.dataset.kbSearch + "?limit=5&q=" + encodeURIComponent(query.slice(0, 200)),
        { credentials: "same-origin", headers: { Accept: "application/json" } },
      );
      if (mine !== seq) return;
      if (!response.ok) throw new Error(String(response.status));
      results = (await response.json()).results || [];
      render(query);
    } catch (error) {
      if (mine !== seq) return;
      results = [];
      list.textContent = "";
      status.textContent = form.dataset.kbDown;
    }
  }
  async function useArticle(i) {
    const item = results[i];
    if (!item) return;
    let wording = plain(item.snippet);
    try {
      const response = await fetch(form.dataset.kbArticle + encodeURIComponent(item.id), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (response.ok) {
        const article = await response.json();
        wording = article.answer || plain(article.body) || wording;
      }
    } catch (error) {
      /* keep the snippet */
    }
    choose("answer");
    answer.value = wording;
    const ids = new Set(articles.value.split(",").filter(Boolean));
    ids.add(String(item.id));
    articles.value = Array.from(ids).join(",");
    cited.textContent = articles.value;
    answer.focus();
  }
  content.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  if (content.value.trim()) search();

  // Keyboard shortcuts for the common path.
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey && event.key === "Enter") {
      event.preventDefault();
      form.requestSubmit();
      return;
    }
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    const code = event.code || "";
    const key = code.startsWith("Key")
      ? code.slice(3).toLowerCase()
      : code.startsWith("Digit")
        ? code.slice(5)
        : event.key.toLowerCase();
    const focus = { p: "#id_phone", c: "#id_content", a: "#id_area", u: "#id_unit" };
    if (focus[key]) {
      event.preventDefault();
      if (key === "u") choose("ticket");
      $(focus[key]).focus();
    } else if (keys[key]) {
      event.preventDefault();
      const first = {
        ticket: "#id_unit",
        answer: "#id_answer",
        defer: "#id_defer_note",
        reject: "#id_reject_reason",
        navigate: "#id_navigate_note",
      };
      choose(keys[key], first[keys[key]]);
    } else if (key === "k") {
      event.preventDefault();
      useArticle(0);
    } else if (/^[1-5]$/.test(key)) {
      event.preventDefault();
      useArticle(Number(key) - 1);
    }
  });
})();
