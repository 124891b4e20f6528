import json

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_messages():
    """Assertions read the English source messages, whatever translations exist."""
    with translation.override("en"):
        yield


@pytest.fixture
def validate_item():
    """Validate one item's kind fields: ``(attributes as stored, None)`` or ``(None, errors)``."""
    from collateral.kinds.base import get_kind

    def run(kind_code: str, data: dict):
        serializer = get_kind(kind_code).serializer_class(data=data)
        if not serializer.is_valid():
            return None, serializer.errors
        attributes = serializer.to_representation(serializer.validated_data)
        json.dumps(attributes)  # what gets stored must be JSON
        return attributes, None

    return run
