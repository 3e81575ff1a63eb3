// The projector: polls the congress's live status (one cached JSON for the whole hall) and
// shows the current item, its speakers with the speaking time left, and the polls.
(function () {
  "use strict";
  var body = document.body;
  var url = body.dataset.live;
  var etag = null;
  var state = null;

  function text(id, value) {
    document.getElementById(id).textContent = value;
  }

  function render() {
    if (!state) return;
    var q = state.quorum;
    text("quorum", q.present_weight + " / " + q.entitled_weight + " " + body.dataset.tVotes + " " + body.dataset.tPresent);
    if (state.item) text("item", state.item.title);
    var list = document.getElementById("speakers");
    list.replaceChildren();
    state.speakers.forEach(function (s) {
      var li = document.createElement("li");
      li.textContent = s.name + " (" + s.unit + ")" + (s.kind === "order" ? " — " + body.dataset.tOrder : "");
      if (s.started) li.className = "speaking";
      list.appendChild(li);
    });
    var polls = document.getElementById("polls");
    polls.replaceChildren();
    state.polls.forEach(function (p) {
      var sec = document.createElement("section");
      var h = document.createElement("h2");
      h.textContent = p.title;
      sec.appendChild(h);
      if (p.state === "open") {
        var n = document.createElement("p");
        n.className = "big";
        n.textContent = p.voted + " " + body.dataset.tVoted;
        sec.appendChild(n);
      } else if (p.result) {
        var table = document.createElement("table");
        p.result.options.forEach(function (o) {
          var tr = document.createElement("tr");
          var a = document.createElement("th");
          var named = { yes: body.dataset.tYes, no: body.dataset.tNo, abstain: body.dataset.tAbstain };
          a.textContent = named[o.code] || o.label;
          var b = document.createElement("td");
          b.className = "num";
          b.textContent = o.weight;
          tr.appendChild(a);
          tr.appendChild(b);
          table.appendChild(tr);
        });
        sec.appendChild(table);
        if (p.result.carried !== undefined) {
          var v = document.createElement("p");
          v.className = "verdict";
          v.textContent = p.result.carried ? body.dataset.tCarried : body.dataset.tNotCarried;
          sec.appendChild(v);
        }
      }
      polls.appendChild(sec);
    });
    tick();
  }

  function tick() {
    var clock = document.getElementById("clock");
    var speaking = state && state.speakers.find(function (s) { return s.started; });
    if (!speaking) { clock.textContent = ""; return; }
    var left = state.speaking_seconds - Math.floor((Date.now() - Date.parse(speaking.started)) / 1000);
    var sign = left < 0 ? "-" : "";
    left = Math.abs(left);
    clock.textContent = sign + Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
  }

  function poll() {
    var headers = etag ? { "If-None-Match": etag } : {};
    fetch(url, { headers: headers, credentials: "omit" }).then(function (r) {
      if (r.status === 200) {
        etag = r.headers.get("ETag");
        return r.json().then(function (data) { state = data; render(); });
      }
    }).catch(function () {}).finally(function () { setTimeout(poll, 2000); });
  }

  setInterval(tick, 1000);
  poll();
})();
