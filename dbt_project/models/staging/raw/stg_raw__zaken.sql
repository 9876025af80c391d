{#- Cases, one-to-one with raw.zaken (current version per key): renamed, codes decoded. omschrijving (free text,
    personal data) never enters the warehouse. -#}
with

source as (
    select * from {{ source('raw', 'zaken') }}
),

renamed as (
    select
        -- ids
        cast(zaak_id as {{ dbt.type_string() }}) as zaak_id,
        cast(eenheid_id as {{ dbt.type_string() }}) as eenheid_id,
        cast(melder_eenheid_id as {{ dbt.type_string() }}) as melder_eenheid_id,
        -- codes
        zaaktype_soort,
        zaaktype_detailsoort,
        {{ code_naam('ZAAKTYPEDETAILSOORT', 'zaaktype_detailsoort') }} as zaaktype_detailsoort_naam,
        resultaat,
        vertrouwelijkheid,
        -- dates
        registratiedatum,
        einddatum,

        -- lineage
        {{ raw_event_columns() }}
    from source
)

select * from renamed
