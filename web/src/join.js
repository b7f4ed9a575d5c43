// Joining by link: /join/<game> asks only for a display name. A seat is free until play ends: someone who comes
// late joins a game in play and plays from the next trick; once every seat is taken, or play is over, they watch.
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
  const open = game && (game.phase === "setup" || game.phase === "play");
  const inPlay = Boolean(game && game.phase === "play");
  // This browser's seat was removed by the facilitator: its link opens a seat that no longer plays, but during
  // play the removed seat is free again, and its name, so its player may take a new seat.
  const keptSeat = kept && game && Number.isInteger(kept.seat) ? game.seats.find((s) => s.seat === kept.seat) : null;
  const removed = Boolean(keptSeat && !keptSeat.present);
  const name = h("input", { id: "join-name", type: "text", required: true, maxlength: 40, autocomplete: "nickname", autofocus: true, placeholder: "Your name", value: removed && inPlay ? keptSeat.name : null });
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const button = h("button", { type: "submit", class: "primary big", id: "join-button" }, inPlay ? "Take a seat and play" : "Take a seat");
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
          // late: the table greets them with what joining mid-game means (once).
          saveSeat(gameId, { token: seat.token, seat: seat.seat, name: seat.name, role: seat.role, late: inPlay });
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
  fill(
    root,
    h(
      "main",
      { class: "page narrow" },
      h("a", { class: "brand", href: "/" }, "threat", h("b", null, "deck")),
      h("h1", null, game ? `Join the threat model of ${game.architecture}` : "Join a game"),
      problem ? h("p", { class: "error", role: "alert" }, problem.status === 404 ? "There is no such game (it may have expired)." : problem.message) : null,
      kept && !removed ? h("p", null, h("a", { class: "button", id: "continue-seat", href: tableHref(gameId, kept.token) }, `Continue as ${kept.name || "your seat"}`)) : null,
      removed
        ? h(
            "p",
            { id: "join-removed" },
            `The facilitator removed your seat (${keptSeat.name}) from this game. `,
            !open || game.free_seats <= 0
              ? "You can still watch."
              : inPlay
                ? "Take a seat again to play on: you get a new seat and new cards and score from zero, and what you scored stays with your old seat on the scoreboard."
                : "To play, take a seat under another name.",
          )
        : null,
      inPlay && game.free_seats > 0
        ? h("p", { id: "join-late" }, "This game has started, and a seat is free: join now and you are dealt a fair share of the cards nobody has seen. You play from the next trick, and vote and rate like everyone else.")
        : null,
      open && game.free_seats > 0 ? form : null,
      open && game.free_seats <= 0 ? h("p", null, "All seats are taken. You can still watch.") : null,
      game && !open ? h("p", null, "Play is over, so no seats are free. You can watch the rest of the game.") : null,
      game ? h("p", null, h("a", { href: `/watch/${encodeURIComponent(gameId)}` }, "Watch as a spectator")) : null,
    ),
  );
  document.title = "threatdeck · join";
  document.body.dataset.ready = "join";
  performance.mark("threatdeck-ready");
}
