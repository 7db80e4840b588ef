import t from 'tap'
import { progressBytes } from '../../spoke/upload.js'

t.test("progressBytes: the last figure of rsync's --info=progress2 lines, commas and carriage returns and all", async t => {
  t.equal(progressBytes('      1,234,567  45%    1.23MB/s    0:00:12  \r     2,000,000  73%    1.30MB/s    0:00:05 (xfr#1, to-chk=0/1)\r'), 2_000_000)
  t.equal(progressBytes('         32,768 100%   31.25MB/s    0:00:00 (xfr#1, to-chk=0/1)\n'), 32_768)
  t.equal(progressBytes('Number of files: 1 (reg: 1)\nTotal bytes sent: 123\n'), undefined, 'the --stats lines are not progress')
  t.equal(progressBytes(''), undefined)
})
