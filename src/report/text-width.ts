/**
 * Advance widths of DejaVu Sans (the report's font, fonts.ts) for ASCII and the symbols the plots use, in 1/1000 em,
 * regular and bold, generated from the TTF with fonts.ts measureText. Browser-safe (no file access): plot-theme.ts wraps
 * titles and subtitles with it so that no line is cut by vega's title limit at the report's or the page's size.
 * Characters not listed count as 1 em (wider than any DejaVu glyph listed here but a few arrows): never short.
 */
const CHARS = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~−–—…·×±≤≥≈→←↑↓∞√∑Σ∫‖αβγδεζηθκλμνξπρστφχψωΓΔΛΠΦΨΩ∂∇⁰¹²³⁴⁵⁶⁷⁸⁹₀₁₂₃₄₅₆₇₈₉ᵢⱼᵀ′″°¼½¾⅓⅔∈∉⊙⟨⟩○●•ⁿ";
const REGULAR = [318,401,460,838,636,950,780,275,390,390,500,838,318,361,318,337,636,636,636,636,636,636,636,636,636,636,337,337,838,838,838,531,1000,684,686,698,770,632,575,775,752,295,295,656,557,863,748,787,603,787,695,635,611,732,684,989,685,611,685,390,337,390,838,500,500,613,635,550,635,615,352,635,634,278,278,579,278,974,634,612,635,635,411,521,392,634,592,818,592,592,525,636,337,636,838,838,500,1000,1000,318,838,838,838,838,838,838,838,838,838,833,637,674,632,521,500,659,638,592,612,541,544,634,612,589,592,636,559,558,602,635,634,602,660,578,660,837,557,684,684,752,787,787,764,517,669,401,401,401,401,401,401,401,401,401,401,401,401,401,401,401,401,401,401,401,401,179,175,385,227,374,500,969,969,969,969,969,871,871,838,390,390,873,873,590,398];
const BOLD = [348,456,521,838,696,1002,872,306,457,457,523,838,380,415,380,365,696,696,696,696,696,696,696,696,696,696,400,400,838,838,838,580,1000,774,762,734,830,683,683,821,837,372,372,775,637,995,837,850,733,850,770,720,682,812,774,1103,771,724,725,457,365,457,838,500,500,675,716,593,716,678,435,716,712,343,343,665,343,1042,712,687,716,716,493,595,478,712,652,924,645,652,582,712,365,712,838,838,500,1000,1000,380,838,838,838,838,838,838,838,838,838,833,667,718,683,610,500,687,716,681,687,557,591,712,687,710,633,736,681,591,791,716,779,638,782,645,794,869,637,774,774,837,850,850,850,544,697,438,438,438,438,438,438,438,438,438,438,438,438,438,438,438,438,438,438,438,438,219,219,430,264,447,500,1035,1035,1035,1035,1035,896,896,838,457,457,873,873,639,456];

const index = new Map<string, number>([...CHARS].map((c, i) => [c, i]));

/** Width in px of the text in DejaVu Sans at the given size (an upper bound: no kerning, unknown characters 1 em). */
export function textWidth(text: string, fontSize: number, bold = false): number {
  const t = bold ? BOLD : REGULAR;
  let u = 0;
  for (const ch of text) { const i = index.get(ch); u += i === undefined ? 1000 : t[i]!; }
  return (u / 1000) * fontSize;
}

/** The text broken at spaces into lines no wider than maxWidth px (a word longer than that stays on its own line). */
export function wrapText(text: string, maxWidth: number, fontSize: number, bold = false): string[] {
  const lines: string[] = [];
  let line = '';
  for (const w of text.split(' ')) {
    const next = line ? `${line} ${w}` : w;
    if (line && textWidth(next, fontSize, bold) > maxWidth) { lines.push(line); line = w; } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}
