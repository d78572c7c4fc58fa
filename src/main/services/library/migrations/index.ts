/** The ordered list of migrations. Add one file per migration (`NNNN-name.ts` exporting `up`) and list it here. */
import * as m0001 from './0001-initial';
import * as m0002 from './0002-job-control-and-cost';
import * as m0003 from './0003-organise-and-search';
import * as m0004 from './0004-import-export';
import * as m0005 from './0005-edit-chains';
import * as m0006 from './0006-comparisons';
import * as m0007 from './0007-search-speed';
import * as m0008 from './0008-responses-chains';
import * as m0009 from './0009-search-doc-id';
import * as m0010 from './0010-job-request-body';
import * as m0011 from './0011-export-xmp-sidecar';
import * as m0012 from './0012-folder-trash';
import * as m0013 from './0013-job-durations';
import * as m0014 from './0014-foreign-recipes';
import * as m0015 from './0015-content-credentials';
import * as m0016 from './0016-batches';
import * as m0017 from './0017-search-meta';
import * as m0018 from './0018-budgets-and-kits';
import * as m0019 from './0019-search-stack-members';
import * as m0020 from './0020-trash-by-created';

export interface Migration {
  /** Schema version after this migration runs (1-based, contiguous). */
  version: number;
  name: string;
  up: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: '0001-initial', up: m0001.up },
  { version: 2, name: '0002-job-control-and-cost', up: m0002.up },
  { version: 3, name: '0003-organise-and-search', up: m0003.up },
  { version: 4, name: '0004-import-export', up: m0004.up },
  { version: 5, name: '0005-edit-chains', up: m0005.up },
  { version: 6, name: '0006-comparisons', up: m0006.up },
  { version: 7, name: '0007-search-speed', up: m0007.up },
  { version: 8, name: '0008-responses-chains', up: m0008.up },
  { version: 9, name: '0009-search-doc-id', up: m0009.up },
  { version: 10, name: '0010-job-request-body', up: m0010.up },
  { version: 11, name: '0011-export-xmp-sidecar', up: m0011.up },
  { version: 12, name: '0012-folder-trash', up: m0012.up },
  { version: 13, name: '0013-job-durations', up: m0013.up },
  { version: 14, name: '0014-foreign-recipes', up: m0014.up },
  { version: 15, name: '0015-content-credentials', up: m0015.up },
  { version: 16, name: '0016-batches', up: m0016.up },
  { version: 17, name: '0017-search-meta', up: m0017.up },
  { version: 18, name: '0018-budgets-and-kits', up: m0018.up },
  { version: 19, name: '0019-search-stack-members', up: m0019.up },
  { version: 20, name: '0020-trash-by-created', up: m0020.up },
];
