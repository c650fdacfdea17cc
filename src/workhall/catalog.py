"""The category and skill catalogue shared by profiles, jobs and search (marketplace.md §1–§2)."""

from __future__ import annotations

import re

CATEGORIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "web-dev": (
        "Web Development",
        (
            "Python",
            "Django",
            "FastAPI",
            "JavaScript",
            "TypeScript",
            "React",
            "Vue.js",
            "Node.js",
            "PHP",
            "Laravel",
            "Ruby on Rails",
            "HTML",
            "CSS",
            "WordPress",
            "Shopify",
            "PostgreSQL",
        ),
    ),
    "mobile-dev": (
        "Mobile Development",
        (
            "iOS",
            "Swift",
            "Android",
            "Kotlin",
            "Flutter",
            "React Native",
            "Mobile UI Design",
        ),
    ),
    "data-science": (
        "Data Science & Analytics",
        (
            "Data Analysis",
            "Machine Learning",
            "SQL",
            "Pandas",
            "Tableau",
            "Power BI",
            "Statistics",
            "Deep Learning",
            "Data Visualization",
            "Excel",
        ),
    ),
    "design": (
        "Design & Creative",
        (
            "Graphic Design",
            "Logo Design",
            "UI Design",
            "UX Research",
            "Figma",
            "Illustration",
            "Adobe Photoshop",
            "Adobe Illustrator",
            "Brand Identity",
            "Motion Graphics",
            "Video Editing",
        ),
    ),
    "writing": (
        "Writing & Translation",
        (
            "Copywriting",
            "Content Writing",
            "Technical Writing",
            "Editing",
            "Proofreading",
            "SEO Writing",
            "Translation",
            "Ghostwriting",
            "Grant Writing",
        ),
    ),
    "marketing": (
        "Sales & Marketing",
        (
            "SEO",
            "Social Media Marketing",
            "Google Ads",
            "Email Marketing",
            "Marketing Strategy",
            "Lead Generation",
            "Facebook Ads",
            "Market Research",
        ),
    ),
    "admin": (
        "Admin & Customer Support",
        (
            "Virtual Assistance",
            "Data Entry",
            "Customer Service",
            "Project Management",
            "Bookkeeping",
            "Scheduling",
        ),
    ),
    "devops": (
        "IT & Networking",
        (
            "DevOps",
            "AWS",
            "Docker",
            "Kubernetes",
            "Linux",
            "Network Security",
            "Terraform",
            "CI/CD",
        ),
    ),
    "finance": (
        "Accounting & Consulting",
        (
            "Accounting",
            "Financial Modeling",
            "Tax Preparation",
            "Business Consulting",
            "QuickBooks",
        ),
    ),
}


def slugify(name: str) -> str:
    return re.sub(
        r"[^a-z0-9]+", "-", name.lower().replace("+", "plus").replace("#", "sharp")
    ).strip("-")


SKILLS: dict[str, str] = {
    slugify(skill): skill for _, (_, skills) in CATEGORIES.items() for skill in skills
}
SKILL_CATEGORY: dict[str, str] = {
    slugify(skill): cat for cat, (_, skills) in CATEGORIES.items() for skill in skills
}
CATEGORY_NAMES: dict[str, str] = {slug: name for slug, (name, _) in CATEGORIES.items()}

COUNTRIES: dict[str, str] = {
    "US": "United States",
    "CA": "Canada",
    "GB": "United Kingdom",
    "IE": "Ireland",
    "DE": "Germany",
    "FR": "France",
    "ES": "Spain",
    "IT": "Italy",
    "NL": "Netherlands",
    "PL": "Poland",
    "UA": "Ukraine",
    "RO": "Romania",
    "PT": "Portugal",
    "SE": "Sweden",
    "IN": "India",
    "PK": "Pakistan",
    "BD": "Bangladesh",
    "PH": "Philippines",
    "VN": "Vietnam",
    "ID": "Indonesia",
    "NG": "Nigeria",
    "KE": "Kenya",
    "EG": "Egypt",
    "ZA": "South Africa",
    "BR": "Brazil",
    "AR": "Argentina",
    "MX": "Mexico",
    "CO": "Colombia",
    "AU": "Australia",
    "NZ": "New Zealand",
    "JP": "Japan",
    "SG": "Singapore",
}


def skill_name(slug: str) -> str:
    return SKILLS.get(slug, slug)


def normalize_skills(values: list[str]) -> list[str]:
    """Map skill names or slugs to catalogue slugs (order kept, duplicates dropped).

    Raises ValueError naming the first value that is not in the catalogue.
    """
    out: list[str] = []
    for value in values:
        slug = slugify(value) if value not in SKILLS else value
        if slug not in SKILLS:
            raise ValueError(f"unknown skill {value[:60]!r}")
        if slug not in out:
            out.append(slug)
    return out
