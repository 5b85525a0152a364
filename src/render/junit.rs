//! Findings as JUnit XML (`quick-junit`): one test suite per report, one test
//! case per finding (class name: its rule ID); a failed finding is a
//! `failure` with the message and, as its body, the full explanation.

use quick_junit::{NonSuccessKind, Report as Junit, TestCase, TestCaseStatus, TestSuite};

use super::findings::FindingsReport;

impl FindingsReport {
    pub fn to_junit(&self) -> String {
        let mut suite = TestSuite::new(self.title.as_str());
        for f in &self.findings {
            let status = if f.passed {
                TestCaseStatus::success()
            } else {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(f.message.as_str())
                    .set_type(f.rule_id.as_str())
                    .set_description(f.details.as_str());
                s
            };
            let mut case = TestCase::new(f.name.as_str(), status);
            case.set_classname(f.rule_id.as_str());
            suite.add_test_case(case);
        }
        let mut report = Junit::new(format!("reach {}", self.command));
        report.add_test_suite(suite);
        report
            .to_string()
            .unwrap_or_else(|e| format!("<!-- junit serialization failed: {e} -->\n"))
    }
}
