/** Noto Sans CJK from Debian's fonts-noto-cjk: printed forms (R26) embed it for their Chinese text. */
export declare const CJK_FONT: string;
