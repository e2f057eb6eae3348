// The fonts the processes read, named once: scripts/ensure.js installs them (plain Node, before
// `npm ci`, so this file is CommonJS with no dependencies) and api/files/forms.ts embeds them.
'use strict';

/** Noto Sans CJK from Debian's fonts-noto-cjk: printed forms (R26) embed it for their Chinese text. */
const CJK_FONT = '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc';

module.exports = { CJK_FONT };
