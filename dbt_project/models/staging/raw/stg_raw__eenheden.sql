{#- Rentable units, one-to-one with raw.eenheden: every snapshot version, renamed, cast, codes decoded. postcode and
    huisnummer (personal data, contract section 5) are left out: nothing downstream needs them. -#}
with

source as (
    select * from {{ source('raw', 'eenheden') }}
),

renamed as (
    select
        -- ids
        cast(eenheid_id as {{ dbt.type_string() }}) as eenheid_id,
        cast(complex_id as {{ dbt.type_string() }}) as complex_id,
        -- codes
        soort as eenheid_soort,
        detailsoort as eenheid_detailsoort,
        {{ code_naam('EENHEIDDETAILSOORT', 'detailsoort') }} as eenheid_detailsoort_naam,
        energielabel,
        huurklasse,
        {{ code_naam('HUURKLASSE', 'huurklasse') }} as huurklasse_naam,
        -- attributes
        cast(bouwjaar as integer) as bouwjaar,
        cast(kamers_aantal as integer) as kamers_aantal,
        oppervlakte_m2,
        cast(etage as integer) as etage,
        {{ jn('lift') }} as lift,
        -- amounts
        nettohuur,
        brutohuur,
        -- dates
        in_exploitatiedatum,
        uit_exploitatiedatum,

        -- history (per-extract snapshot versions) and lineage
        {{ raw_snapshot_columns() }}
    from source
)

select * from renamed
