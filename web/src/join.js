// Joining by link: /join/<game> asks only for a display name.
import { h, fill } from "./dom.js";
import { api } from "./api.js";
import { loadSeat, saveSeat, tableHref } from "./session.js";

export async function showJoin(root, gameId) {
  const kept = loadSeat(gameId);
  let game = null;
  let problem = null;
  try {
    game = await api.game(gameId);
  } catch (err) {
    problem = err;
  }
  const name = h("input", { id: "join-name", type: "text", required: true, maxlength: 40, autocomplete: "nickname", autofocus: true, placeholder: "Your name" });
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const button = h("button", { type: "submit", class: "primary big", id: "join-button" }, "Take a seat");
  const form = h(
    "form",
    {
      class: "panel join",
      onsubmit: async (e) => {
        e.preventDefault();
        error.hidden = true;
        if (!name.value.trim()) {
          error.textContent = "Type the name the others will see.";
          error.hidden = false;
          return;
        }
        button.disabled = true;
        try {
          const seat = await api.join(gameId, name.value.trim());
          saveSeat(gameId, { token: seat.token, seat: seat.seat, name: seat.name, role: seat.role });
          window.location.assign(tableHref(gameId, seat.token));
        } catch (err) {
          error.textContent = err.message;
          error.hidden = false;
          button.disabled = false;
          name.focus(); // most refusals are about the name (one already at the table): it is there to change
        }
      },
    },
    h("label", { class: "field" }, h("span", { class: "field-label" }, "Display name"), name),
    error,
    button,
  );
  const started = game && game.phase !== "setup";
  fill(
    root,
    h(
      "main",
      { class: "page narrow" },
      h("a", { class: "brand", href: "/" }, "threat", h("b", null, "deck")),
      h("h1", null, game ? `Join the threat model of ${game.architecture}` : "Join a game"),
      problem ? h("p", { class: "error", role: "alert" }, problem.status === 404 ? "There is no such game (it may have expired)." : problem.message) : null,
      kept ? h("p", null, h("a", { class: "button", id: "continue-seat", href: tableHref(gameId, kept.token) }, `Continue as ${kept.name || "your seat"}`)) : null,
      game && !started && game.free_seats > 0 ? form : null,
      game && !started && game.free_seats <= 0 ? h("p", null, "All seats are taken. You can still watch.") : null,
      started ? h("p", null, "This game has already started, so no seats are free. You can watch it.") : null,
      game ? h("p", null, h("a", { href: `/watch/${encodeURIComponent(gameId)}` }, "Watch as a spectator")) : null,
    ),
  );
  document.title = "threatdeck · join";
  document.body.dataset.ready = "join";
  performance.mark("threatdeck-ready");
}
