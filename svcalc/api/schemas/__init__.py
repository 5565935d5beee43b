"""marshmallow schemas: one declaration validates requests and documents requests and responses.

Split by what they describe: the custom fields (:mod:`.fields`), the proposal a client sends
(:mod:`.proposal`), the appraisal it gets back (:mod:`.appraisal`), and the service's own
answers (:mod:`.reference`).
"""
