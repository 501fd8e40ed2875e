// The examples gallery (/queries): filter the cards by what their title, description and query say.
(function () {
  "use strict";
  const input = document.getElementById("gallery-filter");
  const count = document.getElementById("gallery-count");
  const none = document.getElementById("gallery-none");
  const cards = Array.from(document.querySelectorAll(".example-card"));
  const text = new Map(cards.map((card) => [card, (card.textContent + " " + card.dataset.name + " " +
    decodeURIComponent(card.querySelector("a.run").search.replace(/\+/g, " "))).toLowerCase()]));

  function filter() {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const card of cards) {
      const match = words.every((w) => text.get(card).includes(w));
      card.hidden = !match;
      if (match) shown += 1;
    }
    for (const group of document.querySelectorAll(".gallery-group")) {
      group.hidden = !group.querySelector(".example-card:not([hidden])");
    }
    none.hidden = shown > 0;
    count.textContent = words.length ? shown + " / " + cards.length : cards.length + " queries";
    const url = new URL(window.location.href);
    if (input.value) url.searchParams.set("q", input.value);
    else url.searchParams.delete("q");
    history.replaceState(null, "", url);
  }

  input.value = new URL(window.location.href).searchParams.get("q") || "";
  input.addEventListener("input", filter);
  filter();
})();
