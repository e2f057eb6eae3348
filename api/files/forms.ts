import { existsSync, readFileSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import type { CaseRow } from '../../db/schema';
import type { DocumentKind } from '../../schemas/files';

// The standard forms of the 禁毒办 (R26), laid out as on paper: a title, the fields in boxes,
// the clauses, signature lines with a date. The Chinese is real text in an embedded font
// (a subset of Noto Sans CJK SC), so it can be searched, copied and read by a screen reader.

// Debian's fonts-noto-cjk, which `node scripts/ensure.js` installs for `npm start` and the tests.
// eslint-disable-next-line @typescript-eslint/no-require-imports, no-restricted-syntax -- until the font path moves to config/ (issue 26)
const { CJK_FONT } = require('../../scripts/ensure.js') as { CJK_FONT: string };
/** The collection holds every CJK variant: the family name picks Simplified Chinese. */
const CJK_FAMILY = 'NotoSansCJKsc-Regular';

export class FontMissingError extends Error {}

let font: Buffer | undefined;

/**
 * Read once per process (about 20 MB); a clear error naming the fix when absent. One weight only:
 * embedding (subsetting) a CJK font costs about half a second per weight and form.
 */
function loadFont(): Buffer {
  if (font) return font;
  if (!existsSync(CJK_FONT)) {
    throw new FontMissingError(
      `printed forms need the Chinese font ${CJK_FONT}: run \`node scripts/ensure.js\` ` +
        '(it installs the Debian package fonts-noto-cjk)',
    );
  }
  font = readFileSync(CJK_FONT);
  return font;
}

/** What a form shows, already in words (labels, names, dates); the route fills it from the case. */
export interface FormData {
  row: CaseRow;
  idNumber: string;
  measure: string;
  tier: string;
  phase: string;
  jurisdiction: string;
  caseworker: string;
  dates: {
    expectedRelease: string;
    released: string;
    termStarts: string;
    termEnds: string;
    abstinentSince: string;
    printed: string;
  };
}

export const FORM_TITLES: Record<DocumentKind, string> = {
  registration: '社区戒毒（康复）人员登记表',
  agreement: '社区戒毒（康复）协议书',
  'end-of-control-proposal': '解除动态管控建议',
};

const PAGE = { width: 595.28, height: 841.89, margin: 56 };
const WIDTH = PAGE.width - 2 * PAGE.margin;
const LABEL_WIDTH = 84;
const PAD = 6;

/** A form is at most this many pages, whatever its fields hold (api.md v1.2). */
export const MAX_PAGES = 20;
/** What ends a field cut to fit: the full text stays in the system. */
export const CUT_LINE = '（以下内容过长，已截断，详见系统记录）';
/** The most a box or a paragraph may take: a page's height, so it never runs off the page. */
const MAX_BLOCK = PAGE.height - 2 * PAGE.margin - 40;
/** Kept free below the notes for the signature lines (three rows of them at most). */
const SIGNATURE_ROOM = 220;
const LINE_GAP = 3;

type Field = [label: string, value: string];

class Form {
  readonly doc: PDFKit.PDFDocument;
  private pages = 1;

  constructor(title: string, data: FormData) {
    this.doc = new PDFDocument({
      size: 'A4',
      margin: PAGE.margin,
      info: { Title: title, Creator: 'case follow-up engine', Producer: 'pdfkit' },
      lang: 'zh-CN',
      displayTitle: true,
    });
    this.doc.on('pageAdded', () => (this.pages += 1));
    this.doc.registerFont('cjk', loadFont(), CJK_FAMILY);
    this.doc.font('cjk').fontSize(20).text(title, { align: 'center' });
    this.doc.moveDown(0.4);
    this.doc
      .font('cjk')
      .fontSize(9)
      .fillColor('#444')
      .text(`编号：${data.row.id}　　打印日期：${data.dates.printed}`, { align: 'right' })
      .fillColor('black');
    this.doc.moveDown(0.6);
  }

  heading(text: string): this {
    this.ensureRoom(40);
    this.doc.font('cjk').fontSize(12).text(text, PAGE.margin, this.doc.y);
    this.doc.moveDown(0.3);
    return this;
  }

  /** One row of boxes: one field across the width, or two side by side. */
  row(...fields: Field[]): this {
    const doc = this.doc.font('cjk').fontSize(10.5);
    const valueWidth = WIDTH / fields.length - LABEL_WIDTH;
    fields = fields.map(([label, value]) => [
      label,
      this.fit(value, valueWidth - 2 * PAD, MAX_BLOCK - 2 * PAD),
    ]);
    const height = Math.max(
      26,
      ...fields.map(
        ([, value]) => doc.heightOfString(value || ' ', { width: valueWidth - 2 * PAD }) + 2 * PAD,
      ),
    );
    this.ensureRoom(height);
    const top = doc.y;
    fields.forEach(([label, value], i) => {
      const x = PAGE.margin + i * (LABEL_WIDTH + valueWidth);
      doc.rect(x, top, LABEL_WIDTH, height).fillAndStroke('#f0f0f0', 'black');
      doc.rect(x + LABEL_WIDTH, top, valueWidth, height).stroke();
      doc
        .fillColor('black')
        .font('cjk')
        .text(label, x + PAD, top + PAD, { width: LABEL_WIDTH - 2 * PAD });
      doc.font('cjk').text(value, x + LABEL_WIDTH + PAD, top + PAD, { width: valueWidth - 2 * PAD });
    });
    doc.x = PAGE.margin;
    doc.y = top + height;
    return this;
  }

  gap(lines = 0.8): this {
    this.doc.moveDown(lines);
    return this;
  }

  clauses(items: string[]): this {
    this.doc.font('cjk').fontSize(10.5);
    items.forEach((item, i) => {
      this.doc.text(`${i + 1}．${item}`, PAGE.margin, this.doc.y, {
        width: WIDTH,
        lineGap: 3,
        paragraphGap: 4,
      });
    });
    return this;
  }

  paragraph(text: string): this {
    this.doc.font('cjk').fontSize(10.5);
    const fitted = this.fit(text, WIDTH, MAX_BLOCK, { lineGap: LINE_GAP });
    this.doc.text(fitted, PAGE.margin, this.doc.y, { width: WIDTH, lineGap: LINE_GAP });
    return this;
  }

  /**
   * Free text that may run over pages (a note), under its heading: cut where it would take the
   * form past MAX_PAGES with room left for the signatures. A line lost at each page break is
   * allowed for.
   */
  notes(label: string, text: string): this {
    this.heading(label);
    const doc = this.doc.font('cjk').fontSize(10.5);
    const content = PAGE.height - 2 * PAGE.margin;
    const lineLoss = doc.currentLineHeight(true) + LINE_GAP;
    const room =
      PAGE.height - PAGE.margin - doc.y + (MAX_PAGES - this.pages) * (content - lineLoss) - SIGNATURE_ROOM;
    const fitted = this.fit(text, WIDTH, Math.max(0, room), { lineGap: LINE_GAP });
    doc.text(fitted || ' ', PAGE.margin, doc.y, { width: WIDTH, lineGap: LINE_GAP });
    return this;
  }

  /**
   * The text as it is if it fits `maxHeight` at `width` in the current font, else its longest
   * beginning that fits with CUT_LINE after it (whole characters, found by halving).
   */
  private fit(
    text: string,
    width: number,
    maxHeight: number,
    options: PDFKit.Mixins.TextOptions = {},
  ): string {
    const height = (t: string) => this.doc.heightOfString(t || ' ', { width, ...options });
    if (height(text) <= maxHeight) return text;
    const chars = Array.from(text);
    const cut = (n: number) => (n ? `${chars.slice(0, n).join('').trimEnd()}\n${CUT_LINE}` : CUT_LINE);
    let [fits, fails] = [0, chars.length];
    while (fails - fits > 1) {
      const mid = Math.floor((fits + fails) / 2);
      if (height(cut(mid)) <= maxHeight) fits = mid;
      else fails = mid;
    }
    return cut(fits);
  }

  /** A box to write in by hand (an opinion, a decision). */
  blank(label: string, height = 70): this {
    this.ensureRoom(height);
    const top = this.doc.y;
    this.doc.rect(PAGE.margin, top, WIDTH, height).stroke();
    this.doc
      .font('cjk')
      .fontSize(10.5)
      .text(label, PAGE.margin + PAD, top + PAD);
    this.doc.x = PAGE.margin;
    this.doc.y = top + height;
    return this;
  }

  /** Signature lines, each with its own date line, two to a row. */
  signatures(who: string[]): this {
    this.gap(1.5);
    const half = WIDTH / 2;
    for (let i = 0; i < who.length; i += 2) {
      this.ensureRoom(60);
      const top = this.doc.y;
      who.slice(i, i + 2).forEach((label, j) => {
        const x = PAGE.margin + j * half;
        this.doc.font('cjk').fontSize(10.5);
        this.doc.text(`${label}：`, x, top);
        this.doc
          .moveTo(x + 4, top + 34)
          .lineTo(x + half - 24, top + 34)
          .stroke();
        this.doc.text('日期：　　　　年　　月　　日', x, top + 40);
      });
      this.doc.x = PAGE.margin;
      this.doc.y = top + 64;
    }
    return this;
  }

  private ensureRoom(height: number): void {
    if (this.doc.y + height > PAGE.height - PAGE.margin) this.doc.addPage();
  }

  async end(): Promise<Buffer> {
    // The fields are cut to fit, so this is a defect, not a long case: refuse rather than print it.
    if (this.pages > MAX_PAGES) throw new Error(`a form ran to ${this.pages} pages (at most ${MAX_PAGES})`);
    const chunks: Buffer[] = [];
    this.doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    const done = new Promise<void>((resolve, reject) => {
      this.doc.on('end', resolve);
      this.doc.on('error', reject);
    });
    this.doc.end();
    await done;
    return Buffer.concat(chunks);
  }
}

const sexOf = (row: CaseRow) => (row.sex === 'male' ? '男' : row.sex === 'female' ? '女' : '');
const term = (d: FormData['dates']) =>
  d.termStarts ? `${d.termStarts} 至 ${d.termEnds}` : '自报到之日起三年';

function registration(data: FormData): Form {
  const { row, dates } = data;
  return new Form(FORM_TITLES.registration, data)
    .heading('一、基本情况')
    .row(['姓名', row.personName], ['性别', sexOf(row)])
    .row(['出生日期', row.birthDate ?? ''], ['联系电话', row.phone ?? ''])
    .row(['身份证号', data.idNumber])
    .row(['现住址', row.residenceAddress])
    .row(['户籍地址', row.registeredAddress ?? ''])
    .gap()
    .heading('二、执行情况')
    .row(['决定措施', data.measure], ['风险等级', data.tier])
    .row(row.facilityName ? ['原戒毒场所', row.facilityName] : ['决定机关', row.decisionAuthority ?? ''], [
      '出所日期',
      dates.released || dates.expectedRelease,
    ])
    .row(['执行期限', term(dates)])
    .row(['所属辖区', data.jurisdiction])
    .row(['责任社工', data.caseworker], ['当前阶段', data.phase])
    .gap()
    .notes('三、备注', row.note ?? '')
    .signatures(['本人签名', '登记人（禁毒社工）', '审核人（督导）']);
}

function agreement(data: FormData): Form {
  const { row, dates } = data;
  return new Form(FORM_TITLES.agreement, data)
    .row(['甲方', `${data.jurisdiction} 禁毒工作办公室（社区戒毒社区康复工作机构）`])
    .row(['乙方', row.personName], ['性别', sexOf(row)])
    .row(['身份证号', data.idNumber])
    .row(['现住址', row.residenceAddress])
    .row(['决定措施', data.measure], ['责任社工', data.caseworker])
    .row(['执行期限', term(dates)])
    .gap()
    .paragraph('依照《中华人民共和国禁毒法》《戒毒条例》，甲乙双方就乙方执行社区戒毒（康复）事宜订立本协议：')
    .gap(0.4)
    .clauses([
      `乙方自报到之日起接受${data.measure}，期限三年（社区康复不超过三年），期间遵守法律法规和本协议。`,
      '乙方按甲方安排定期和不定期接受尿液检测，不得拒绝或者逃避；拒绝或者逃避检测累计三次以上的，属严重违反本协议。',
      '乙方离开居住地所在县（市、区）三日以上的，须事先书面报告；未经报告离开累计三次以上或者累计超过三十日的，属严重违反本协议。',
      '乙方按时接受访谈和走访，如实报告就业、居住和家庭情况；联系方式变更时及时告知禁毒社工。',
      '甲方指定禁毒社工负责帮教，为乙方提供戒毒康复指导、心理辅导、职业技能培训、就业指导和社会救助等帮扶。',
      '乙方被依法羁押期间，执行期中止，释放后继续执行；乙方迁居的，执行期连续计算，并在新居住地重新签订协议。',
      '本协议一式三份，甲方、乙方和公安派出所各执一份，自双方签字之日起生效。',
    ])
    .signatures(['甲方（盖章）负责人', '乙方（签名）', '禁毒社工', '见证人（社区民警）']);
}

function endOfControlProposal(data: FormData): Form {
  const { row, dates } = data;
  return new Form(FORM_TITLES['end-of-control-proposal'], data)
    .row(['姓名', row.personName], ['性别', sexOf(row)])
    .row(['身份证号', data.idNumber])
    .row(['决定措施', data.measure], ['责任社工', data.caseworker])
    .row(['所属辖区', data.jurisdiction])
    .row(['执行期限', term(dates)])
    .row(['未复吸起算日', dates.abstinentSince], ['当前阶段', data.phase])
    .gap()
    .paragraph(
      `经核查，${row.personName}自${dates.abstinentSince}起连续三年未发现复吸，符合解除动态管控条件。` +
        '建议予以解除动态管控，并提请公安机关出具解除通知书。',
    )
    .gap()
    .blank('督导审批意见：')
    .signatures(['建议人（禁毒社工）', '审批人（督导）']);
}

const FORMS: Record<DocumentKind, (data: FormData) => Form> = {
  registration,
  agreement,
  'end-of-control-proposal': endOfControlProposal,
};

export function renderForm(kind: DocumentKind, data: FormData): Promise<Buffer> {
  return FORMS[kind](data).end();
}
