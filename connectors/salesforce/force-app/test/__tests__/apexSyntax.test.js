/**
 * Apex tests need an org; this machine has none. What can be checked here is that every class parses
 * with Salesforce's Apex grammar (scripts/check-apex.cjs: prettier-plugin-apex runs the jorje parser
 * natively) and that the conventions an org review expects hold: `with sharing`, a test class per class
 * with HttpCalloutMock and asserts.
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const PROJECT = path.join(__dirname, '../../..');
const CLASSES = path.join(PROJECT, 'force-app/main/default/classes');
const classFiles = fs.readdirSync(CLASSES).filter((f) => f.endsWith('.cls'));

/** Runs the checker in its own Node process (prettier 3 needs dynamic import, which jest 29 lacks). */
function checkApex(files) {
    const run = spawnSync(process.execPath, [path.join(PROJECT, 'scripts/check-apex.cjs'), ...files], {
        cwd: PROJECT,
        encoding: 'utf8',
        timeout: 60000
    });
    const results = run.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
    return { status: run.status, results };
}

describe('Apex sources', () => {
    it('every class parses as Apex', () => {
        const { status, results } = checkApex(classFiles.map((f) => path.join(CLASSES, f)));
        expect(results.filter((r) => !r.ok)).toEqual([]);
        expect(results).toHaveLength(classFiles.length);
        expect(status).toBe(0);
    });

    it('the check rejects broken Apex', () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apex-'));
        const broken = path.join(dir, 'Broken.cls');
        fs.writeFileSync(broken, 'public class Broken { void x() { Integer a = ; } }');
        try {
            const { status, results } = checkApex([broken]);
            expect(status).toBe(1);
            expect(results[0].ok).toBe(false);
            expect(results[0].error).toMatch(/Unexpected token/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it('every class runs with sharing and has a test class with callout mocks and asserts', () => {
        const main = classFiles.filter((f) => !f.endsWith('Test.cls'));
        expect(main.length).toBeGreaterThan(0);
        for (const file of main) {
            const source = fs.readFileSync(path.join(CLASSES, file), 'utf8');
            expect(source).toMatch(/public with sharing class/);
            const testFile = file.replace(/\.cls$/, 'Test.cls');
            expect(classFiles).toContain(testFile);
            const test = fs.readFileSync(path.join(CLASSES, testFile), 'utf8');
            expect(test).toMatch(/@IsTest/);
            expect(test).toMatch(/implements HttpCalloutMock/);
            expect((test.match(/Assert\.\w+\(/g) || []).length).toBeGreaterThanOrEqual(20);
            expect(fs.existsSync(path.join(CLASSES, `${file}-meta.xml`))).toBe(true);
            expect(fs.existsSync(path.join(CLASSES, `${testFile}-meta.xml`))).toBe(true);
        }
    });
});
