"""Small builders of NSF documents for tests."""

from __future__ import annotations

import json
from typing import Any

from proposals.nsf.documents import Document


def bulk_json_award(number: str, **overrides: Any) -> dict[str, Any]:
    """One award in NSF's one-file-per-award JSON format."""
    award: dict[str, Any] = {
        "awd_id": number,
        "awd_titl_txt": f"FAI: Fair learning project {number}",
        "awd_istr_txt": "Standard Grant",
        "awd_eff_date": "2021-02-01",
        "awd_exp_date": "2024-01-31",
        "tot_intn_awd_amt": 625000.0,
        "awd_amount": 625000.0,
        "awd_min_amd_letter_date": "2021-01-25",
        "awd_max_amd_letter_date": "2021-01-25",
        "awd_abstract_narration": "An abstract.&lt;br/&gt;&lt;br/&gt;Second paragraph.",
        "org_dir_long_name": "Directorate for Computer and Information Science and Engineering",
        "org_div_long_name": "Division of Information & Intelligent Systems",
        "po_sign_block_name": "Todd Leen",
        "pi": [
            {
                "pi_role": "Principal Investigator",
                "pi_first_name": "Ada",
                "pi_last_name": f"Pi{number}",
                "pi_email_addr": f"pi{number}@example.edu",
                "nsf_id": f"000{number}",
            }
        ],
        "inst": {
            "inst_name": "Example University",
            "inst_city_name": "PITTSBURGH",
            "inst_state_code": "PA",
            "inst_country_name": "United States",
        },
        "pgm_ele": [{"pgm_ele_code": "114Y00", "pgm_ele_name": "Fairness in Artificial Intelli"}],
        "oblg_fy": [{"fund_oblg_fiscal_yr": 2021, "fund_oblg_amt": 625000.0}],
    }
    award.update(overrides)
    return award


def bulk_json_document(number: str, **overrides: Any) -> Document:
    data = json.dumps(bulk_json_award(number, **overrides)).encode()
    return Document(source=f"{number}.json", data=data)
