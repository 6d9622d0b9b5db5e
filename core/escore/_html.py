"""The single-file HTML report of a run (``-f html``): opens offline, in any browser.

The page carries the data once, as JSON in a ``<script type="application/json">``,
and a few dozen lines of inline script render the ranking and one section per unit
from it: 131 units make a few hundred KB instead of megabytes of repeated markup.
Explanation lines repeat a lot between units ("no deductions: 4 of 4"), so they
are stored once in a string table and referred to by index.

Safety: evidence strings reach the page only as JSON (with ``<``, ``>`` and ``&``
escaped, so no string can close the script element) and the script puts them in
the DOM with ``textContent``, never as markup. A Content-Security-Policy allows
only this page's own inline script (by hash) and styles: the page cannot load or
send anything over the network.
"""

from __future__ import annotations

import html
from decimal import Decimal
from typing import Any

from ._collect import Plan
from ._i18n import gettext as _
from ._i18n import language, ngettext, status_label
from ._report import page_title, rounded_apart_note, synthetic_banner
from ._results import STATUSES, RunResult, UnitResult, present
from ._score import ZERO, fmt, settle, sum_exactly

_STYLE = """
:root{--fg:#1d2430;--muted:#5b6472;--line:#d9dee5;--bad:#b3261e;--good:#1e6b3a;--bar:#3b6fb6;--warn:#fff4d6}
*{box-sizing:border-box}
body{margin:0;color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI","PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","WenQuanYi Zen Hei",sans-serif}
header,main{max-width:1100px;margin:0 auto;padding:0 16px}
h1{font-size:22px;margin:16px 0 4px}h2{font-size:18px;margin:0}h3{font-size:15px;margin:12px 0 4px}
.banner{background:var(--warn);border:2px solid #c98a00;padding:8px 12px;margin:12px 0;font-weight:600}
.banner small{display:block;font-weight:400}
.warnings{border-left:4px solid #c98a00;background:var(--warn);padding:6px 12px;margin:12px 0}.warnings ul{margin:4px 0 0 1.2em;padding:0}
.meta{color:var(--muted);margin:0 0 8px}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f3f5f8}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
#ranking th{cursor:pointer;user-select:none}
#ranking th[aria-sort=ascending]::after{content:" ▲"}#ranking th[aria-sort=descending]::after{content:" ▼"}
#filter{font:inherit;padding:4px 8px;width:20em;margin:8px 0}
.charts{display:flex;flex-wrap:wrap;gap:16px}
figure{margin:8px 0}figcaption{color:var(--muted);font-size:12px}
section.unit{border-top:3px solid var(--fg);margin:24px 0;padding-top:8px}
.unit .total{font-size:18px;font-weight:700}
.lost{color:var(--bad)}
.st-missing,.st-error{color:var(--bad);font-weight:600}.st-not_applicable{color:var(--muted)}
.tree tr.node td:first-child{min-width:18em}
.tree td.why{color:var(--fg)}
.tree tr.group td{background:#f7f8fa;font-weight:600}
.tree tr.na td{color:var(--muted)}
.tree ul{margin:2px 0 2px 1.2em;padding:0;font-weight:400;color:var(--fg)}
details{color:var(--muted);font-weight:400}summary{cursor:pointer}
.veto{color:var(--bad)}
.foot{color:var(--muted);margin:24px 0}
@media print{
  #filter,.noprint{display:none}
  body{font-size:10pt}
  header,main{max-width:none}
  section.unit{break-before:page;border-top:none}
  a{color:inherit;text-decoration:none}
  .banner{border:2px solid #000}
  th{background:none}
}
"""

# Renders the ranking and the units from the JSON data; every string goes through textContent.
_SCRIPT = """
(function(){
"use strict";
var D=JSON.parse(document.getElementById("escore-data").textContent),T=D.ui,S=D.strings;
function el(tag,cls,text){var e=document.createElement(tag);if(cls)e.className=cls;if(text!=null)e.textContent=text;return e;}
function cell(row,text,cls){var c=el("td",cls,text);row.appendChild(c);return c;}
var SVG="http://www.w3.org/2000/svg";
function svg(tag,attrs,text){var e=document.createElementNS(SVG,tag);for(var k in attrs)e.setAttribute(k,attrs[k]);if(text!=null)e.textContent=text;return e;}
function lostChart(u){
  var rows=D.groups.map(function(g,i){return [g,u.groups[i]];}),h=rows.length*18+4,w=420,s=svg("svg",{width:w,height:h,viewBox:"0 0 "+w+" "+h,role:"img"});
  s.appendChild(svg("title",{},T.lost_by_group));
  rows.forEach(function(r,i){
    var g=r[0],lost=parseFloat(r[1]),max=parseFloat(g.max),y=i*18+2,bw=max>0?Math.round(180*lost/max):0;
    s.appendChild(svg("text",{x:0,y:y+12,"font-size":11},g.code+" "+g.title));
    s.appendChild(svg("rect",{x:230,y:y+2,width:180,height:12,fill:"#e8ecf2"}));
    if(bw>0)s.appendChild(svg("rect",{x:230,y:y+2,width:bw,height:12,fill:"#b3261e"}));
    s.appendChild(svg("text",{x:w-2,y:y+12,"font-size":11,"text-anchor":"end"},r[1]==="0.00"?"":"−"+r[1]+" / "+g.max));
  });
  return s;
}
function renderUnit(u){
  var sec=el("section","unit");sec.id="u-"+u.code;sec.setAttribute("data-code",u.code);
  var h=el("h2",null,(u.rank!=null?u.rank+". ":"")+u.name+" ("+u.code+")");sec.appendChild(h);
  if(D.synthetic){var b=el("p","banner",T.synthetic);b.setAttribute("role","note");sec.appendChild(b);}
  var p=el("p","meta");
  if(u.parent)p.appendChild(document.createTextNode(T.parent+": "+u.parent+" · "));
  p.appendChild(document.createTextNode(T.total+" "));p.appendChild(el("span","total",u.total));
  D.sections.forEach(function(s,i){p.appendChild(document.createTextNode(" · "+s.title+" "+u.sections[i]+" / "+s.weight));});
  if(u.missing)p.appendChild(el("span","st-missing"," · "+T.missing+" "+u.missing));
  if(u.errors)p.appendChild(el("span","st-error"," · "+T.errors+" "+u.errors));
  sec.appendChild(p);
  if(D.groups.length){var f=el("figure");f.appendChild(lostChart(u));f.appendChild(el("figcaption",null,T.lost_by_group));sec.appendChild(f);}
  var t=el("table","tree"),hr=el("tr");[T.indicator,T.points,T.lost,T.status].forEach(function(x,i){hr.appendChild(el("th",i&&i<3?"n":null,x));});
  var th=el("thead");th.appendChild(hr);t.appendChild(th);var tb=el("tbody");
  D.nodes.forEach(function(n,i){
    var r=u.nodes[i],tr=el("tr",n.group?"node group":"node");
    var first=cell(tr,null);first.style.paddingLeft=(6+16*n.depth)+"px";
    first.appendChild(document.createTextNode(n.code+" "+n.title+(n.flag?" ("+n.flag+")":"")));
    if(!r){cell(tr,"–/"+n.max,"n");cell(tr,"","n");cell(tr,"");tb.appendChild(tr);return;}
    cell(tr,(r[0]==null?"–":r[0])+"/"+n.max,"n");cell(tr,r[1]?"−"+r[1]:"","n lost");
    var st=r[2]==null?"":D.statuses[r[2]];cell(tr,st?T.status_names[st]:"",st&&st!=="scored"?"st-"+st:null);
    if(st==="not_applicable")tr.className="node na";
    tb.appendChild(tr);
    if(r[3]&&r[3].length||(r[4]&&n.source!=null)){
      var er=el("tr"),ec=el("td","why");ec.colSpan=4;ec.style.paddingLeft=(22+16*n.depth)+"px";
      if(r[3]&&r[3].length){var ul=el("ul");r[3].forEach(function(k){ul.appendChild(el("li",null,S[k]));});ec.appendChild(ul);}
      if(r[4]&&n.source!=null){var d=el("details"),sm=el("summary",null,T.clause);d.appendChild(sm);d.appendChild(el("div",null,"「"+S[n.source]+"」"));if(n.note!=null)d.appendChild(el("div",null,T.note+": "+S[n.note]));ec.appendChild(d);}
      er.appendChild(ec);tb.appendChild(er);
    }
  });
  t.appendChild(tb);sec.appendChild(t);
  (u.vetoes||[]).forEach(function(v){sec.appendChild(el("p","veto",T.veto+" "+v[0]+" "+v[1]+": "+T.status_names[v[2]]+(v[3]?": "+v[3]:"")));});
  return sec;
}
var body=document.querySelector("#ranking tbody"),units=document.getElementById("units");
D.units.forEach(function(u){
  var tr=el("tr");tr.setAttribute("data-code",u.code);
  tr._key=[u.rank,u.name,u.code,u.parent].concat(u.sections.map(parseFloat),[parseFloat(u.total),u.missing]);
  tr._text=(u.code+" "+u.name+" "+u.parent).toLowerCase();
  cell(tr,u.rank==null?"–":String(u.rank),"n");
  var c=cell(tr,null),a=el("a",null,u.name);a.href="#u-"+u.code;c.appendChild(a);
  cell(tr,u.code);cell(tr,u.parent);
  u.sections.forEach(function(x){cell(tr,x,"n");});
  cell(tr,u.total,"n total");cell(tr,u.missing?String(u.missing):"","n st-missing");
  body.appendChild(tr);units.appendChild(renderUnit(u));
});
var heads=document.querySelectorAll("#ranking th");
Array.prototype.forEach.call(heads,function(h,i){h.addEventListener("click",function(){
  var dir=h.getAttribute("aria-sort")==="ascending"?-1:1,rows=Array.prototype.slice.call(body.rows);
  Array.prototype.forEach.call(heads,function(x){x.removeAttribute("aria-sort");});
  h.setAttribute("aria-sort",dir>0?"ascending":"descending");
  rows.sort(function(a,b){var x=a._key[i],y=b._key[i];if(x==null)x=Infinity;if(y==null)y=Infinity;return (x<y?-1:x>y?1:a._key[0]-b._key[0])*dir;});
  rows.forEach(function(r){body.appendChild(r);});
});});
document.getElementById("filter").addEventListener("input",function(e){
  var q=e.target.value.trim().toLowerCase();
  Array.prototype.forEach.call(body.rows,function(r){var show=!q||r._text.indexOf(q)>=0;r.hidden=!show;document.getElementById("u-"+r.getAttribute("data-code")).hidden=!show;});
});
window.addEventListener("beforeprint",function(){Array.prototype.forEach.call(document.querySelectorAll("details"),function(d){d.setAttribute("data-was",d.open?"1":"");d.open=true;});});
window.addEventListener("afterprint",function(){Array.prototype.forEach.call(document.querySelectorAll("details"),function(d){d.open=d.getAttribute("data-was")==="1";});});
document.body.setAttribute("data-rendered",String(D.units.length));
})();
"""


def _json_for_script(data: Any) -> str:
    """JSON that cannot end the ``<script>`` element it sits in, whatever the strings hold."""
    import json

    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _group_points(plan: Any, by_code: dict[str, Any]) -> dict[str, tuple[Decimal | None, Decimal | None]]:
    """``(points, lost)`` of every node of one unit; ``None`` where nothing was scored."""
    out: dict[str, tuple[Decimal | None, Decimal | None]] = {}

    def visit(code: str) -> tuple[Decimal | None, Decimal | None]:
        node = plan.nodes[code]
        item = by_code.get(code)
        if item is not None:
            if item.status == "not_applicable":
                got = lost = None
            else:
                got = item.points
                lost = None if node.kind == "bonus" or not node.counted else max(node.max - item.points, ZERO)
        elif node.children:
            parts = [visit(child) for child in node.children]
            counted = [p for child, p in zip(node.children, parts) if plan.nodes[child].counted or node.bonus]
            points = [p[0] for p in counted if p[0] is not None]
            losses = [p[1] for p in counted if p[1] is not None]
            # Exact sums, settled as a raw score is (escore._score.settle): a group of shares is its true sum.
            got = settle(sum_exactly(points)) if points else None
            lost = settle(sum_exactly(losses)) if losses and node.kind != "bonus" and node.counted and not node.bonus else None
        else:
            got = lost = None
        out[code] = (got, lost)
        return got, lost

    for code, node in plan.nodes.items():
        if node.parent is None:
            visit(code)
    return out


def report_data(result: RunResult, *, single: bool = False) -> dict[str, Any]:
    """The JSON the page renders; points rounded for presentation, each unit's exact total kept."""
    plan = result.plan
    strings = _Strings()
    nodes, order, groups = _node_entries(plan, strings)
    units = [
        _unit_entry(plan, unit_result, None if single else rank, order, groups, strings)
        for rank, unit_result in zip(result.ranks, result.units)
    ]
    return {
        "lang": language(),
        "statuses": list(STATUSES),
        "sections": [{"name": s.name, "title": s.title, "weight": fmt(s.weight), "raw_max": fmt(s.raw_max)} for s in plan.sections],
        "groups": groups,
        "nodes": nodes,
        "units": units,
        "strings": strings.texts(),
        "ui": _ui_words(),
        # Printed, each unit starts a page of its own: each says the evidence is made up, not the first page alone.
        "synthetic": result.synthetic,
    }


class _Strings:
    """The page's long texts (clauses, notes, explanation lines), each kept once and referred to
    by its index: 131 units share most of them."""

    def __init__(self) -> None:
        self._index: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        index = self._index.get(text)
        if index is None:
            index = self._index[text] = len(self._index)
        return index

    def texts(self) -> list[str]:
        return list(self._index)


def _node_entries(plan: Plan, intern: _Strings) -> tuple[list[dict[str, Any]], list[str], list[dict[str, Any]]]:
    """The indicator tree, section by section (an entry per node, in order), the node codes in
    that order, and the groups a unit's lost points are charted by."""
    nodes = []
    order = []
    groups = []
    for section in plan.sections:
        walked = list(plan.walk(section.name))
        # The groups a unit's lost points are charted by: the section's top-level groups, or
        # the children of its one top-level group (Table L is one group of five blocks).
        roots = [node for depth, node in walked if depth == 0 and node.counted and node.kind != "bonus"]
        level = 1 if len(roots) == 1 and roots[0].children else 0
        for depth, node in walked:
            flags = []
            if not node.counted and node.kind != "bonus":
                flags.append(_("not scored"))
            if node.kind == "bonus":
                flags.append(_("bonus"))
            if node.variant:
                flags.append(_("variant {0}").format(node.variant))
            entry: dict[str, Any] = {"code": node.code, "title": node.title, "max": fmt(node.max), "depth": depth}
            if node.children:
                entry["group"] = 1
            if flags:
                entry["flag"] = "; ".join(flags)
            if node.source is not None:
                entry["source"] = intern(node.source.text)
                if node.source.note:
                    entry["note"] = intern(node.source.shown_note())
            nodes.append(entry)
            order.append(node.code)
            if depth == level and node.counted and node.kind != "bonus" and (level == 0 or node.parent == roots[0].code):
                groups.append({"code": node.code, "title": node.title, "max": fmt(node.max)})
    return nodes, order, groups


#: A status as the page's rows give it: its place in ``statuses``.
_STATUS_INDEX = {status: i for i, status in enumerate(STATUSES)}


def _unit_entry(
    plan: Plan, unit_result: UnitResult, rank: int | None, order: list[str], groups: list[dict[str, Any]], intern: _Strings
) -> dict[str, Any]:
    """One unit of the page: its totals, and a row per node of ``order`` (points, lost, status,
    explanation lines, whether its clause is shown)."""
    by_code = {item.code: item for item in unit_result.indicators}
    totals = _group_points(plan, by_code)
    rows: list[Any] = []
    for code in order:
        got, lost = totals.get(code, (None, None))
        item = by_code.get(code)
        if item is None and got is None:
            rows.append(None)
            continue
        row: list[Any] = [
            None if got is None else present(got),
            present(lost) if lost else "",
            None if item is None else _STATUS_INDEX[item.status],
        ]
        if item is not None:
            shows_source = item.status != "not_applicable" and (item.status != "scored" or item.points < plan.nodes[code].max)
            row += [[intern(reason) for reason in item.reasons], 1 if shows_source else 0]
        rows.append(row)
    counts = dict.fromkeys(STATUSES, 0)
    for item in unit_result.indicators:
        counts[item.status] += 1
    for veto in unit_result.vetoes:
        if veto.status in ("missing", "error"):
            counts[veto.status] += 1
    unit = unit_result.unit
    return {
        "code": unit.code,
        "name": unit.name,
        "parent": unit.parent or "",
        "rank": rank,
        "total": present(unit_result.total),
        "total_exact": fmt(unit_result.total),
        "sections": [present(s.points) for s in unit_result.sections],
        "missing": counts["missing"],
        "errors": counts["error"],
        "groups": [present(totals[g["code"]][1] or ZERO) for g in groups],
        "nodes": rows,
        "vetoes": [[v.code, v.title, v.status, v.reason] for v in unit_result.vetoes if v.status != "not_applied"],
    }


def _ui_words() -> dict[str, Any]:
    """The page's own words, in the run's language."""
    return {
        "parent": _("parent"),
        "total": _("total"),
        "missing": _("missing"),
        "errors": _("errors"),
        "indicator": _("indicator"),
        "points": _("points"),
        "lost": _("lost"),
        "status": _("status"),
        "clause": _("cited clause"),
        "note": _("note"),
        "veto": _("veto"),
        "lost_by_group": _("lost points by top-level group (points of the section's table)"),
        "status_names": {status: status_label(status) for status in (*STATUSES, "applied")},
        "synthetic": synthetic_banner(),
    }


def _distribution_svg(title: str, values: list[Decimal], top: Decimal) -> str:
    """A histogram of one section's points over the units: ten bins from 0 to the section's weight."""
    bins = [0] * 10
    for value in values:
        index = int(value * 10 / top) if top > 0 else 0
        bins[min(max(index, 0), 9)] += 1
    tallest = max(bins) or 1
    width, height, base = 320, 150, 120
    parts = [
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{html.escape(title)}">',
        f"<title>{html.escape(title)}</title>",
        f'<line x1="20" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#5b6472"/>',
    ]
    step = (width - 30) / 10
    for i, count in enumerate(bins):
        bar = round(100 * count / tallest)
        x = 20 + i * step
        if count:
            parts.append(f'<rect x="{x + 2:.1f}" y="{base - bar}" width="{step - 4:.1f}" height="{bar}" fill="#3b6fb6"/>')
            parts.append(f'<text x="{x + step / 2:.1f}" y="{base - bar - 3}" font-size="10" text-anchor="middle">{count}</text>')
    for i in (0, 5, 10):
        parts.append(f'<text x="{20 + i * step:.1f}" y="{base + 14}" font-size="10" text-anchor="middle">{fmt(top * i / 10)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(result: RunResult, *, single: bool = False) -> str:
    """The whole report as one HTML document (``escore run -f html``, ``escore explain -f html``)."""
    import base64
    import hashlib

    plan = result.plan
    data = report_data(result, single=single)
    esc = html.escape
    script_hash = base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
    csp = f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'; img-src data:; base-uri 'none'; form-action 'none'"
    if single:
        unit = result.units[0].unit
        title = f"{unit.name} ({unit.code}) · {plan.ruleset.title or plan.ruleset.name}"
    else:
        title = f"{plan.ruleset.title or plan.ruleset.name} · {plan.category.title or plan.category.key}"
    counts = result.status_counts()
    head = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if language() == "zh" else "en"}">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="escore">',
        f"<title>{esc(page_title(title, result.synthetic))}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{esc(title)}</h1>",
        f'<p class="meta">{esc(plan.ruleset.name)} ({plan.ruleset.year}) · {esc(plan.category.key)} {esc(plan.category.title)} · '
        + esc(ngettext("{0} unit", "{0} units", len(result.units)).format(len(result.units)))
        + " · "
        + esc(_(", ").join(f"{status_label(k)} {n}" for k, n in counts.items()))
        + "</p>",
    ]
    if result.synthetic:
        head.append(
            f'<div class="banner" role="note">{esc(synthetic_banner())}'
            + "".join(f"<small>{esc(note)}</small>" for note in result.notes)
            + "</div>"
        )
    if result.warnings:  # what loading the evidence warned of, published with the ranking
        head.append(
            '<div class="warnings" role="note"><strong>'
            + esc(_("Warnings from the evidence"))
            + "</strong><ul>"
            + "".join(f"<li>{esc(text)}</li>" for text in result.warnings)
            + "</ul></div>"
        )
    if result.selection:
        head.append(
            '<p class="meta">'
            + esc(
                _("selection: {0} ({1} of {2} indicators; totals count only these)").format(
                    result.selection, len(result.selected), len(plan.indicators)
                )
            )
            + "</p>"
        )
    head.append("</header>")
    main = ["<main>"]
    if not single:
        main.append("<h2>" + esc(_("Score distribution per section")) + "</h2>")
        main.append('<div class="charts">')
        for index, section in enumerate(plan.sections):
            caption = _("{0}: units per tenth of {1} points").format(section.title, fmt(section.weight))
            values = [u.sections[index].points for u in result.units]
            main.append(f"<figure>{_distribution_svg(caption, values, section.weight)}<figcaption>{esc(caption)}</figcaption></figure>")
        main.append("</div>")
        main.append("<h2>" + esc(_("Ranking")) + "</h2>")
        placeholder = esc(_("filter by code, name or parent"))
        main.append(f'<input id="filter" type="search" placeholder="{placeholder}" aria-label="{placeholder}">')
    else:
        main.append('<input id="filter" type="hidden">')
    columns = [(_("rank"), True), (_("name"), False), (_("code"), False), (_("parent"), False)]
    columns += [(f"{s.title} /{fmt(s.weight)}", True) for s in plan.sections]
    columns += [(_("total"), True), (_("missing"), True)]
    main.append(
        '<table id="ranking"'
        + (' class="noprint" hidden' if single else "")
        + "><thead><tr>"
        + "".join(f"<th{' class=n' if right else ''}>{esc(name)}</th>" for name, right in columns)
        + "</tr></thead><tbody></tbody></table>"
    )
    main.append('<div id="units"></div>')
    rounding = _("points rounded half-up to 2 places; ranks use exact totals")
    main.append('<p class="foot">' + esc(rounding) + "<br>" + esc(rounded_apart_note()) + "</p>")
    main.append("</main>")
    tail = [
        f'<script type="application/json" id="escore-data">{_json_for_script(data)}</script>',
        f"<script>{_SCRIPT}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join([*head, *main, *tail]) + "\n"
